"""A crawl killed with SIGKILL and resumed from its JOBDIR leaves WARC files that read back whole, and loses
no URL."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
import site_fixtures

from scrapers.warc import iter_records


@pytest.mark.slow
def test_kill_9_then_resume_leaves_valid_warc_files(fixture_site, tmp_path) -> None:
    jobdir, run_dir = tmp_path / "job", tmp_path / "run"
    slow = [a.url.removeprefix("https://www.pravda.com.ua") + "=dripx1:0.01" for a in fixture_site.articles]
    with site_fixtures.replay_process([fixture_site.warc], *slow) as mirror:
        command = [
            str(site_fixtures.VENV_BIN / "scrapy"),
            "crawl",
            "pravda",
            "-a",
            f"mirror={mirror}",
            "-a",
            f"run_dir={run_dir}",
            "-s",
            f"JOBDIR={jobdir}",
            "-s",
            "CONCURRENT_REQUESTS=1",
            "-s",
            "LOG_LEVEL=INFO",
            "-O",
            str(run_dir / "items.jsonl"),
        ]
        env = site_fixtures.quiet_env(tmp_path / "data")
        process = subprocess.Popen(
            command, cwd=site_fixtures.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        outcomes = run_dir / "outcomes.jsonl"
        deadline = time.monotonic() + 120  # a guard against a hung child, not a measurement
        while time.monotonic() < deadline and process.poll() is None:
            if outcomes.exists() and outcomes.read_text(encoding="utf-8").count('"parsed"') >= 3:
                break
            time.sleep(0.05)
        assert process.poll() is None, "the crawl ended before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        killed_files = sorted(run_dir.glob("*.warc.gz"))
        assert len(killed_files) == 1

    with site_fixtures.replay_process([fixture_site.warc]) as mirror:  # the same site, now without the drip
        resumed = site_fixtures.run_scrapy(run_dir, mirror, settings={"JOBDIR": str(jobdir)})
    assert resumed.returncode == 0, resumed.log[-3000:]
    assert len(resumed.warcs) == 2
    for warc in resumed.warcs:  # every record of both files reads back with warcio
        kinds = [kind for kind, _, _ in iter_records(warc)]
        assert kinds[0] == "warcinfo" and kinds.count("response") == kinds.count("request") > 0
    # The requests the killed process had taken but not answered are asked for again: none is lost.
    parsed = {u for u, line in resumed.outcomes.items() if line["outcome"] == "parsed"}
    assert parsed == {a.url for a in fixture_site.articles}

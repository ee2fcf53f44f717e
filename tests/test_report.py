"""``newsetl report``: the HTML report from a warehouse filled by real ingests of the replayed fixture site,
opened in a real headless Chromium with every non-file request refused, so a chart that needed the network
(or a script that failed) shows up as a missing SVG or a console error. The data queries also run on
PostgreSQL, where they must give what SQLite gives."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import site_fixtures
import wh_factory as factory

from newsetl.report import render
from scrapers.render import chromium_path
from transforms.settings import Settings
from warehouse.engine import make_engine
from warehouse.migrate import upgrade
from warehouse.report_data import ReportData, Story, report_data

ROOT = Path(__file__).resolve().parents[1]
CHARTS = ("articles", "health", "freshness", "tags")


@pytest.fixture(scope="module")
def demo_root(fixture_site: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture site's pravda and the two sources that carry the same wire story, ingested as a user
    would."""
    data_root = tmp_path_factory.mktemp("report") / "data"
    env = site_fixtures.quiet_env(data_root)
    with site_fixtures.replay_process([fixture_site.warc]) as mirror:
        for source in ("pravda", "ukrinform", "interfax"):
            done = site_fixtures.newsetl_ingest(env, source, "--mirror", mirror)
            assert done.returncode == 0, done.stdout + done.stderr
    return data_root


def _newsetl(data_root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = site_fixtures.quiet_env(data_root)
    return subprocess.run(
        [str(ROOT / ".venv/bin/newsetl"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _open_in_chromium(page_file: Path, screenshot: Path) -> dict[str, Any]:
    """Load the report from file:// in headless Chromium; every request that is not file:// is aborted and
    recorded. Returns the SVG count per chart, the console errors, the refused requests and the stories."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    refused: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))

            def guard(route: Any) -> None:
                if route.request.url.startswith("file://"):
                    route.continue_()
                else:
                    refused.append(route.request.url)
                    route.abort()

            page.route("**/*", guard)
            page.goto(page_file.as_uri(), wait_until="load")
            page.wait_for_timeout(500)  # plotly draws on load; let the last chart settle before looking
            svgs = {
                name: page.locator(f'div.chart[data-chart="{name}"] svg.main-svg').count() for name in CHARTS
            }
            # Bars and markers are g.point elements, lines path.js-line: one per chart means its data drew.
            marks = {
                name: page.locator(
                    f'div.chart[data-chart="{name}"] g.point, div.chart[data-chart="{name}"] path.js-line'
                ).count()
                for name in CHARTS
            }
            stories = page.locator("#stories tbody tr").all_inner_texts()
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return {"svgs": svgs, "marks": marks, "errors": errors, "refused": refused, "stories": stories}


@pytest.mark.slow
def test_the_report_draws_every_chart_offline_in_chromium(demo_root: Path, tmp_path: Path) -> None:
    done = _newsetl(demo_root, "report", "--out", str(tmp_path / "out"), "--days", "400")
    assert done.returncode == 0, done.stdout + done.stderr
    page_file = tmp_path / "out" / "report.html"
    assert f"report written to {page_file}" in done.stdout

    seen = _open_in_chromium(page_file, tmp_path / "report.png")
    assert seen["errors"] == []
    assert seen["refused"] == []  # plotly.js is inlined: the file asks no server for anything
    for name in CHARTS:
        assert seen["svgs"][name] >= 1, f"chart {name} did not draw: {seen['svgs']}"
        assert seen["marks"][name] >= 1, f"chart {name} drew no bar, point or line: {seen['marks']}"
    # The made-up wire report both Ukrinform and Interfax carry is the largest story across sources.
    first = seen["stories"][0]
    assert "interfax, ukrinform" in first, seen["stories"]
    assert (tmp_path / "report.png").stat().st_size > 10_000
    wanted = os.environ.get("NEWSETL_REPORT_SCREENSHOT")  # how docs/images/report.png is made
    if wanted:
        shutil.copyfile(tmp_path / "report.png", wanted)


def test_the_default_folder_is_under_the_data_root_and_days_are_checked(demo_root: Path) -> None:
    done = _newsetl(demo_root, "report", "--days", "0")
    assert done.returncode == 2 and "--days must be at least 1, got 0" in done.stderr
    done = _newsetl(demo_root, "report", "--days", "99999999")
    assert done.returncode == 2 and "--days must be at most 36500, got 99999999" in done.stderr
    done = _newsetl(demo_root, "report")
    assert done.returncode == 0, done.stderr
    assert (demo_root / "report" / "report.html").is_file()


def test_an_empty_warehouse_says_so_instead_of_drawing_empty_charts(tmp_path: Path) -> None:
    upgrade(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    done = _newsetl(tmp_path, "report", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.count("No data in this period.") == 5
    assert 'class="chart"' not in page


def test_an_unmigrated_warehouse_is_refused(tmp_path: Path) -> None:
    done = _newsetl(tmp_path, "report", "--out", str(tmp_path))
    assert done.returncode != 0
    assert "newsetl db upgrade" in done.stdout + done.stderr
    assert not (tmp_path / "report.html").exists()


def test_warehouse_text_is_escaped() -> None:
    hostile = '<img src=x onerror="alert(1)">'
    data = ReportData(
        days=7,
        articles_until=datetime(2025, 1, 7, tzinfo=UTC).date(),
        runs_until=None,
        articles_per_day=[(datetime(2025, 1, 7, tzinfo=UTC).date(), hostile, 3)],
        stories=[Story("s1", hostile, 2, [hostile, "b"], None)],
        tags=[(hostile, 4)],
    )
    page = render(data, warehouse="sqlite:///x<y>", generated_at=datetime(2025, 1, 8, tzinfo=UTC))
    assert hostile not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert "sqlite:///x&lt;y&gt;" in page


def _filled(url: str, tmp_path: Path) -> Settings:
    settings = replace(Settings(), data_root=str(tmp_path / "data"), warehouse_url=url)
    records = [
        factory.make_record(
            n, published_at=datetime(2024, 3, 1 + n % 5, 9, tzinfo=UTC), tags=("war", f"t{n % 3}")
        )
        for n in range(12)
    ]
    counts = factory.pipeline_run(settings, "pravda", records, started_at=datetime(2024, 3, 6, tzinfo=UTC))
    assert counts["inserted"] == len(records), counts
    return settings


@pytest.mark.postgres
def test_the_report_data_is_the_same_on_postgresql(fresh_pg_url: str, tmp_path: Path) -> None:
    found = []
    for url, folder in (("", tmp_path / "lite"), (fresh_pg_url, tmp_path / "pg")):
        settings = _filled(url, folder)
        engine = make_engine(settings.resolved_warehouse_url())
        try:
            with engine.connect() as conn:
                data = report_data(conn, 3)
        finally:
            engine.dispose()
        found.append(data)
    lite, pg = found
    assert lite.articles_until == pg.articles_until == datetime(2024, 3, 5, tzinfo=UTC).date()
    assert lite.articles_per_day == pg.articles_per_day
    assert [day for day, _, _ in lite.articles_per_day] == [
        datetime(2024, 3, d, tzinfo=UTC).date() for d in (3, 4, 5)
    ]  # the 3 days ending at the latest publication day
    assert sum(n for *_, n in lite.articles_per_day) == 6
    assert lite.tags == pg.tags and lite.tags[0] == ("war", 6)
    assert [(s.articles, s.sources) for s in lite.stories] == [(s.articles, s.sources) for s in pg.stories]
    assert lite.crawl_health == pg.crawl_health
    assert lite.crawl_health[0][1:] == ("pravda", 12, 12, 0, 0)

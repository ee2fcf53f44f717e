"""scrapers/settings.py: politeness and robustness defaults come from the NEWSETL_* settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import site_fixtures

SHOW = """
import json
from scrapy.utils.project import get_project_settings
s = get_project_settings()
print(json.dumps({k: s.get(k) for k in (
    "ROBOTSTXT_OBEY", "AUTOTHROTTLE_ENABLED", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_DELAY",
    "DOWNLOAD_MAXSIZE", "RETRY_TIMES", "USER_AGENT", "NEWSETL_INNER_DOWNLOAD_HANDLER",
    "NEWSETL_RETRY_BACKOFF",
    "AUTOTHROTTLE_START_DELAY")} | {"429": 429 in s.getlist("RETRY_HTTP_CODES")}))
"""


def _scrapy_settings(**env: str) -> dict[str, object]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NEWSETL_")}
    done = subprocess.run(
        [sys.executable, "-c", SHOW],
        env={**clean, **env, "SCRAPY_SETTINGS_MODULE": "scrapers.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_polite_defaults() -> None:
    s = _scrapy_settings()
    assert s["ROBOTSTXT_OBEY"] is True and s["AUTOTHROTTLE_ENABLED"] is True
    assert s["CONCURRENT_REQUESTS_PER_DOMAIN"] == 2
    assert s["DOWNLOAD_DELAY"] == 0.5 == s["AUTOTHROTTLE_START_DELAY"]
    assert s["DOWNLOAD_MAXSIZE"] == 8 * 1024 * 1024 and s["RETRY_TIMES"] == 3 and s["429"] is True
    assert str(s["USER_AGENT"]).startswith("newsetl/")
    # scrapy-impersonate's handler always: it fetches as plain Scrapy HTTP unless a request names a browser.
    assert s["NEWSETL_INNER_DOWNLOAD_HANDLER"] == "scrapy_impersonate.ImpersonateDownloadHandler"


def test_tests_and_operators_tune_it_through_the_environment() -> None:
    s = _scrapy_settings(
        NEWSETL_DOWNLOAD_DELAY="0",
        NEWSETL_AUTOTHROTTLE="0",
        NEWSETL_RETRY_BACKOFF="0",
        NEWSETL_CONCURRENT_REQUESTS_PER_DOMAIN="1",
        NEWSETL_IMPERSONATE="chrome",
    )
    assert (
        s["DOWNLOAD_DELAY"] == 0.0
        and s["AUTOTHROTTLE_ENABLED"] is False
        and s["NEWSETL_RETRY_BACKOFF"] == 0.0
    )
    assert s["CONCURRENT_REQUESTS_PER_DOMAIN"] == 1
    assert s["NEWSETL_INNER_DOWNLOAD_HANDLER"] == "scrapy_impersonate.ImpersonateDownloadHandler"


@pytest.mark.slow
def test_a_crawl_with_browser_impersonation(fixture_site, tmp_path) -> None:
    env = site_fixtures.quiet_env(tmp_path / "data", NEWSETL_IMPERSONATE="chrome")
    with site_fixtures.replay_process([fixture_site.warc]) as mirror:
        run = site_fixtures.run_scrapy(tmp_path / "imp", mirror, "edition=rus", env=env)
    assert run.returncode == 0, run.log[-3000:]
    assert {i["url"] for i in run.items} == {a.url for a in fixture_site.articles if a.edition == "rus"}
    assert run.stats["impersonate/request_bytes"] > 0  # the requests really went through curl_cffi

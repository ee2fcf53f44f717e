"""``newsetl parse`` as a user runs it: the console script in a real process, real files, exit codes."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PAGES = ROOT / "tests" / "fixtures" / "pravda" / "pages"
SEED = ROOT / "seeds" / "000_fca3a0f034b59467.txt"
SEED_URL = "https://www.pravda.com.ua/eng/news/2023/09/30/7422079/"
NEWSETL = Path(sys.executable).parent / "newsetl"


def newsetl(*args: str) -> subprocess.CompletedProcess[bytes]:
    assert NEWSETL.exists(), f"console script {NEWSETL} is missing; run `make install`"
    return subprocess.run([str(NEWSETL), *args], cwd=ROOT, capture_output=True, timeout=120, check=False)


def test_prints_the_seed_document_byte_for_byte() -> None:
    page = PAGES / "eng_news_2023_09_30_7422079.html"
    done = newsetl("parse", str(page), "--url", SEED_URL, "--collected", "2024-11-25")
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == SEED.read_bytes()


def test_json_prints_the_record(tmp_path: Path) -> None:
    # A gzip-compressed page is read as well.
    page = tmp_path / "page.html.gz"
    page.write_bytes(gzip.compress((PAGES / "eng_news_2025_10_24_8003452.html").read_bytes()))
    url = "https://www.pravda.com.ua/eng/news/2025/10/24/8003452/"
    done = newsetl("parse", str(page), "--url", url, "--json", "--collected", "2025-10-25")
    assert done.returncode == 0, done.stderr.decode()
    record = json.loads(done.stdout)
    assert record["parser"] == "pravda.news@2025"
    assert record["headline"] == "Ukraine to introduce time and money limits for gamblers for the first time"
    assert record["published_at"] == "2025-10-24T17:05:00+03:00"
    assert record["collected_on"] == "2025-10-25"
    assert record["seed_text"].startswith("• 10/25/2025\n")


def test_a_page_that_is_not_an_article_exits_1_with_the_reason() -> None:
    page = PAGES / "not_article_listing.html"
    done = newsetl("parse", str(page), "--url", "https://www.pravda.com.ua/eng/news/")
    assert done.returncode == 1
    assert done.stdout == b""
    assert b"not an article: listing" in done.stderr


def test_an_unknown_site_is_a_clear_error() -> None:
    page = PAGES / "eng_news_2023_09_30_7422079.html"
    done = newsetl("parse", str(page), "--url", "https://news.example.org/2023/09/30/1/")
    assert done.returncode == 2
    assert b"no source is on the site of https://news.example.org/" in done.stderr
    assert b"pravda (https://www.pravda.com.ua)" in done.stderr


def test_a_bad_collected_date_and_a_missing_page_are_named() -> None:
    page = PAGES / "eng_news_2023_09_30_7422079.html"
    done = newsetl("parse", str(page), "--url", SEED_URL, "--collected", "25/11/2024")
    assert done.returncode == 2
    assert b"'25/11/2024' is not a date (expected a date as YYYY-MM-DD)" in done.stderr
    done = newsetl("parse", "no/such/page.html", "--url", SEED_URL)
    assert done.returncode == 2
    assert b"cannot read no/such/page.html" in done.stderr

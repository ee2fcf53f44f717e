"""Bad input to the CLI ends in one line naming the input and what was wrong, exit status 2, no traceback
(issue 14, fault 14 and "What to build" 8): ``newsetl replay`` on files that are not WARCs or hold a broken
record, a cut-off WARC (served with a warning, its incomplete record left out), ``newsetl db search
--limit -1`` on PostgreSQL and SQLite, and the other inputs a user types: warehouse URLs, revisions, pages,
sources files, mirrors, ports.
"""

from __future__ import annotations

import gzip
import io
import os
import random
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parent.parent
NEWSETL = Path(sys.executable).parent / "newsetl"
ARTICLE = "https://www.pravda.com.ua/eng/news/2025/12/01/7600001/"


def newsetl(*args: str, data_root: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NEWSETL_")}
    return subprocess.run(
        [str(NEWSETL), *args],
        cwd=ROOT,
        env={**clean, "NEWSETL_DATA_ROOT": str(data_root), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_one_line_refusal(done: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    for text in expected:
        assert text in done.stderr, done.stderr


def _warc(path: Path, urls: list[str | None], body: bytes = b"<html>recorded</html>") -> Path:
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for url in urls:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url or "https://placeholder.invalid/",
                "response",
                payload=io.BytesIO(body),
                http_headers=headers,
            )
            if url is None:
                record.rec_headers.remove_header("WARC-Target-URI")
            writer.write_record(record)
    return path


# -- newsetl replay -------------------------------------------------------------------------------------


def _random_bytes(path: Path) -> Path:
    path.write_bytes(random.Random(14).randbytes(4096))
    return path


def _gzip_not_warc(path: Path) -> Path:
    path.write_bytes(gzip.compress(b"hello, this is not a WARC record\n" * 50))
    return path


def _no_target_uri(path: Path) -> Path:
    return _warc(path, [None])


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_random_bytes, "its data is not WARC records"),
        (_gzip_not_warc, "its data is not WARC records"),
        (_no_target_uri, "a response record without WARC-Target-URI"),
    ],
    ids=["random bytes", "gzip, not a WARC", "no target URI"],
)
def test_replay_refuses_a_file_that_is_not_a_readable_warc(tmp_path: Path, make, reason: str) -> None:
    bad = make(tmp_path / "bad.warc.gz")
    good = _warc(tmp_path / "good.warc.gz", [ARTICLE])
    done = newsetl("replay", str(good), str(bad), data_root=tmp_path)
    assert_one_line_refusal(done, f"newsetl replay: {bad}: not a readable WARC file: {reason}")


def test_replay_serves_a_cut_off_warc_with_a_warning_and_without_its_incomplete_record(
    tmp_path: Path,
) -> None:
    urls = [f"https://www.pravda.com.ua/eng/news/2025/12/01/{7600001 + i}/" for i in range(4)]
    body = random.Random(1).randbytes(30_000)  # does not compress: the cut lands inside the last body
    whole = _warc(tmp_path / "whole.warc.gz", urls, body).read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(whole[: len(whole) - 10_000])
    process = subprocess.Popen(
        [str(NEWSETL), "replay", str(cut), "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert "serving 3 recorded URLs" in first, first
        origin = first.strip().rsplit(" ", 1)[-1]
        served = {url: _status(origin, url) for url in urls}
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert f"newsetl replay: warning: {cut} is cut off" in stderr and urls[-1] in stderr, stderr
    assert "Traceback" not in stderr
    assert served == {**dict.fromkeys(urls[:3], 200), urls[-1]: 404}


def _status(origin: str, url: str) -> int:
    path = url.split("pravda.com.ua", 1)[1]
    request = urllib.request.Request(origin + path, headers={"X-Newsetl-Origin": "https://www.pravda.com.ua"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_replay_refuses_a_port_out_of_range(tmp_path: Path) -> None:
    good = _warc(tmp_path / "good.warc.gz", [ARTICLE])
    assert_one_line_refusal(
        newsetl("replay", str(good), "--port", "99999", data_root=tmp_path), "--port 99999"
    )


# -- newsetl db -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["-1", "0", "10000000000000000000000"])
def test_db_search_refuses_a_limit_out_of_range_on_postgresql(
    pg_url: str, tmp_path: Path, limit: str
) -> None:
    assert newsetl("db", "--url", pg_url, "upgrade", data_root=tmp_path).returncode == 0
    done = newsetl("db", "--url", pg_url, "search", "NATO", "--limit", limit, data_root=tmp_path)
    assert_one_line_refusal(done, f"newsetl db search: search limit {limit}: expected a whole number")


def test_db_search_refuses_a_negative_limit_on_sqlite(tmp_path: Path) -> None:
    assert newsetl("db", "upgrade", data_root=tmp_path).returncode == 0
    done = newsetl("db", "search", "NATO", "--limit", "-1", data_root=tmp_path)
    assert_one_line_refusal(done, "newsetl db search: search limit -1")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["db", "--url", "nonsense", "current"], "newsetl db current: Could not parse SQLAlchemy URL"),
        (["db", "--url", "foo://x/y", "upgrade"], "newsetl db upgrade: warehouse URL 'foo://x/y'"),
        (["db", "--url", "postgresql+psycopg://x@127.0.0.1:1/db", "search", "NATO"], "newsetl db search: "),
        (["db", "search", "NATO"], "newsetl db search: warehouse at sqlite:///"),  # no warehouse yet
        (["db", "upgrade", "nosuchrev"], "newsetl db upgrade: Can't locate revision"),
        (["db", "search", "!!!"], "newsetl db search: search query '!!!' has no words"),
        (["seed", "export", "out"], "newsetl seed export: warehouse at sqlite:///"),
    ],
    ids=[
        "bad URL",
        "unknown engine",
        "no server",
        "no warehouse",
        "no such revision",
        "no words",
        "seed export",
    ],
)
def test_database_inputs_are_refused_in_one_line(tmp_path: Path, args: list[str], expected: str) -> None:
    args = [str(tmp_path / a) if a == "out" else a for a in args]
    assert_one_line_refusal(newsetl(*args, data_root=tmp_path), expected)


# -- other commands --------------------------------------------------------------------------------------


def test_parse_refuses_a_missing_page_a_broken_gzip_and_a_bad_url(tmp_path: Path) -> None:
    broken = tmp_path / "page.html.gz"
    data = bytearray(gzip.compress(random.Random(2).randbytes(3000)))
    data[20:40] = bytes(20)
    broken.write_bytes(bytes(data))
    cases = [
        (tmp_path / "missing.html", ARTICLE, "cannot read"),
        (broken, ARTICLE, "cannot read"),
        (broken, "http://[::1", "--url 'http://[::1'"),
    ]
    for page, url, expected in cases:
        done = newsetl("parse", str(page), "--url", url, data_root=tmp_path)
        assert_one_line_refusal(done, "newsetl parse: ", expected)


def test_a_sources_file_that_is_not_text_is_refused(tmp_path: Path) -> None:
    binary = _random_bytes(tmp_path / "sources.yaml")
    done = newsetl("sources", "--file", str(binary), data_root=tmp_path)
    assert_one_line_refusal(done, f"{binary}: not UTF-8 text")


def test_ingest_refuses_a_mirror_that_is_not_an_origin(tmp_path: Path) -> None:
    done = newsetl("ingest", "pravda", "--mirror", "ftp://127.0.0.1:21", data_root=tmp_path)
    assert_one_line_refusal(done, "newsetl ingest: mirror='ftp://127.0.0.1:21'")


# -- readers on a warehouse that is not there, or not ready ------------------------------------------------


def test_readers_never_create_a_warehouse_and_say_how_to_make_one(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.sqlite"
    for args in (["db", "search", "NATO"], ["seed", "export", str(tmp_path / "out")]):
        done = newsetl(*args, data_root=tmp_path)
        assert_one_line_refusal(done, f"warehouse at sqlite:///{warehouse} not found", "newsetl db upgrade")
    current = newsetl("db", "current", data_root=tmp_path)
    assert current.returncode == 1 and "not found" in current.stdout, current.stdout + current.stderr
    assert not warehouse.exists()
    warehouse.touch()  # an empty file: a database, but never migrated
    assert_one_line_refusal(newsetl("db", "search", "NATO", data_root=tmp_path), "not migrated")


def _warehouse_with_the_reference_seed(tmp_path: Path) -> None:
    assert newsetl("db", "upgrade", data_root=tmp_path).returncode == 0
    imported = newsetl("seed", "import", str(ROOT / "seeds" / "000_fca3a0f034b59467.txt"), data_root=tmp_path)
    assert imported.returncode == 0, imported.stdout + imported.stderr


def test_db_search_says_no_matches_and_names_each_hits_source_and_edition(tmp_path: Path) -> None:
    _warehouse_with_the_reference_seed(tmp_path)
    none = newsetl("db", "search", "zzzqqqxx", data_root=tmp_path)
    assert (none.returncode, none.stdout, none.stderr) == (1, "no matches\n", "")
    hit = newsetl("db", "search", "NATO", data_root=tmp_path)
    assert hit.returncode == 0, hit.stderr
    assert "pravda/eng  https://www.pravda.com.ua/eng/news/2023/09/30/7422079/" in hit.stdout


def test_output_into_a_closed_pipe_ends_without_a_traceback(tmp_path: Path) -> None:
    """``newsetl db search … | head -1``: the reader is gone before the output is written. The pipe's read
    end is closed before the command starts, so every write fails (no race with a real head)."""
    _warehouse_with_the_reference_seed(tmp_path)
    read_end, write_end = os.pipe()
    os.close(read_end)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NEWSETL_")}
    try:
        done = subprocess.run(
            [str(NEWSETL), "db", "search", "NATO"],
            cwd=ROOT,
            env={**clean, "NEWSETL_DATA_ROOT": str(tmp_path)},
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 141, done.stderr
    assert done.stderr == ""

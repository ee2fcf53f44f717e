"""Re-parse of hostile captures (issue 14, fault 3): what it reads from the archive is bounded as the crawl's
fetching is.

Two crawl runs' folders are built with warcio, as a crawl leaves them (WARC files and ``outcomes.jsonl``). The
first run recorded a redirect whose target it fetched as a good page; the later run recorded the same target
as a gzip bomb (1 MiB expanding to 1 GiB, refused by that crawl). Re-parse must take the first run's chain,
never the later run's answer, and must not follow a redirect whose target only a later run captured. Pages a
crawl parsed under a higher cap (a bomb of either coding, a body bigger than the cap as recorded) end
``failed`` with the cap in the reason; a body recorded chunked and in two gzip members still loads.

The re-parse runs as the ``news_reparse`` DAG runs it (``pipeline.reparse`` with the settings read from the
environment) in a child process whose peak memory is measured, then transform and load go into a real
SQLite warehouse.
"""

from __future__ import annotations

import gzip
import io
import json
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import brotli
import pytest
import site_fixtures
from conftest import SOURCES, builder, record_figures
from sqlalchemy import create_engine, text
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsetl import pipeline
from scrapers.outcomes import OutcomeLog
from transforms.settings import Settings

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CAP = 2 * 1024 * 1024  # NEWSETL_MAX_RESPONSE_BYTES for the re-parse: twice the bomb's recorded size
# The child's data segment limit: a re-parse inflating the bomb whole fails here, not eating the machine.
CHILD_DATA_LIMIT = 768 * 1024 * 1024
# Peak RSS allowed: the interpreter with Scrapy and the parsers loaded, plus a few capped bodies.
PEAK_RSS_BOUND = 400 * 1024 * 1024

FIRST, SECOND = "pravda_first", "pravda_second"
FIRST_DAY, SECOND_DAY = "2025-12-01T10:00:00Z", "2025-12-02T10:00:00Z"


def _url(day: int, article_id: int) -> str:
    return builder.article_url("eng", "news", 2025, 12, day, article_id)


GOOD_FIRST = _url(1, 7700001)
MOVED = _url(1, 7700002)  # 301 -> TARGET, in both runs' archives
TARGET = _url(1, 7700003)  # a good page in the first run, a gzip bomb in the second
CROSS = _url(1, 7700004)  # 301 -> LATER_ONLY, which only the second run captured
LATER_ONLY = _url(2, 7700005)
GZIP_BOMB = _url(2, 7700006)  # parsed by a crawl with a higher cap; a 1 GiB bomb at this one
BROTLI_BOMB = _url(2, 7700007)  # 64 MiB in 120 bytes
BIG_RECORDED = _url(2, 7700008)  # 3 MiB as recorded, no coding
CHUNKED = _url(2, 7700009)  # recorded chunked (another tool's WARC), in two gzip members
GOOD_SECOND = _url(2, 7700010)

EXPECTED: dict[str, tuple[str, str]] = {
    GOOD_FIRST: ("parsed", ""),
    MOVED: ("parsed", ""),
    CROSS: ("failed", f"redirect target {LATER_ONLY} is not in the archive of run {FIRST}"),
    LATER_ONLY: ("parsed", ""),
    GZIP_BOMB: ("failed", f"body larger than download max size ({CAP}) once gzip-decoded"),
    BROTLI_BOMB: ("failed", f"body larger than download max size ({CAP}) once br-decoded"),
    BIG_RECORDED: ("failed", f"recorded body larger than download max size ({CAP})"),
    CHUNKED: ("parsed", ""),
    GOOD_SECOND: ("parsed", ""),
}
LOADED = {GOOD_FIRST, TARGET, LATER_ONLY, CHUNKED, GOOD_SECOND}  # MOVED loads as TARGET, its record


def _article(url: str, article_id: int) -> bytes:
    template = builder.TEMPLATES["post_2020"]
    headline = f"{template.headline} (№{article_id})"
    day = date(2025, 12, int(url.split("/")[-3]))
    return str(builder.variant_html(template, url, headline, day, article_id)).encode()


def gzip_bomb(prefix: bytes, mebibytes: int) -> bytes:
    """One gzip member of ``prefix`` and ``mebibytes`` MiB of zeros, built without compressing them all: after
    a full flush the compressor starts afresh, so every further MiB of zeros compresses to the same bytes."""
    zeros = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = compressor.compress(prefix + zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    step = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH) == step
    crc = zlib.crc32(prefix + zeros)
    for _ in range(mebibytes - 1):
        crc = zlib.crc32(zeros, crc)
    size = len(prefix) + mebibytes * len(zeros)
    # The empty final block, then the trailer: CRC-32 and size mod 2**32.
    return head + step * (mebibytes - 1) + b"\x03\x00" + struct.pack("<II", crc, size & 0xFFFFFFFF)


def _chunked(body: bytes, size: int = 1000) -> bytes:
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


Capture = tuple[str, int, list[tuple[str, str]], bytes]


def _write_run(folder: Path, day: str, captures: list[Capture], outcomes: dict[str, tuple[str, str]]) -> None:
    """A crawl run's folder: its WARC (one gzip member a record, as warcio writes) and its outcomes."""
    folder.mkdir(parents=True)
    with (folder / "crawl-20251201T100000000000Z-1.warc.gz").open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        writer.write_record(writer.create_warcinfo_record("crawl.warc.gz", {"software": "test"}))
        for url, status, headers, body in captures:
            http = StatusAndHeaders(
                f"{status} {'OK' if status == 200 else 'Moved'}", headers, protocol="HTTP/1.1"
            )
            writer.write_record(
                writer.create_warc_record(
                    url,
                    "response",
                    payload=io.BytesIO(body),
                    length=len(body),
                    http_headers=http,
                    warc_headers_dict={"WARC-Date": day},
                )
            )
    log = OutcomeLog(folder / "outcomes.jsonl")
    for url, (outcome, reason) in outcomes.items():
        log.record(url, outcome, reason, 200)
    log.close()


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sample = gzip_bomb(b"<html>", 3)
    assert gzip.decompress(sample) == b"<html>" + bytes(3 << 20)  # the construction is sound
    data_root = tmp_path_factory.mktemp("reparse-bounds") / "data"
    raw = data_root / "raw" / "pravda"
    html = [("Content-Type", "text/html; charset=utf-8")]
    gz = [*html, ("Content-Encoding", "gzip")]
    moved = [("Location", TARGET), ("Content-Type", "text/html")]

    _write_run(
        raw / FIRST,
        FIRST_DAY,
        [
            (GOOD_FIRST, 200, html, _article(GOOD_FIRST, 7700001)),
            (MOVED, 301, moved, b"moved"),
            (TARGET, 200, html, _article(TARGET, 7700003)),
            (CROSS, 301, [("Location", LATER_ONLY), ("Content-Type", "text/html")], b"moved"),
        ],
        {GOOD_FIRST: ("parsed", ""), MOVED: ("parsed", ""), CROSS: ("parsed", "")},
    )
    bomb = gzip_bomb(b"<html><body>", 1024)
    assert len(bomb) < CAP // 2 + 64 * 1024  # about 1 MiB recorded: under the cap until inflated
    article = _article(CHUNKED, 7700009)
    two_members = gzip.compress(article[:5000], mtime=0) + gzip.compress(article[5000:], mtime=0)
    _write_run(
        raw / SECOND,
        SECOND_DAY,
        [
            (MOVED, 301, moved, b"moved"),
            (TARGET, 200, gz, bomb),
            (LATER_ONLY, 200, html, _article(LATER_ONLY, 7700005)),
            (GZIP_BOMB, 200, gz, bomb),
            (
                BROTLI_BOMB,
                200,
                [*html, ("Content-Encoding", "br")],
                brotli.compress(bytes(64 << 20), quality=5),
            ),
            (BIG_RECORDED, 200, html, b"<html><body>" + b"<p>padding</p>" * (3 * 1024 * 1024 // 14)),
            (CHUNKED, 200, [*gz, ("Transfer-Encoding", "chunked")], _chunked(two_members)),
            (GOOD_SECOND, 200, html, _article(GOOD_SECOND, 7700010)),
        ],
        {
            # As that crawl refused the bomb it was redirected to: a failed URL is not re-parsed, but the
            # redirect and the bomb are in the archive.
            MOVED: ("failed", "exceeded DOWNLOAD_MAXSIZE during decompression"),
            LATER_ONLY: ("parsed", ""),
            GZIP_BOMB: ("parsed", ""),
            BROTLI_BOMB: ("parsed", ""),
            BIG_RECORDED: ("parsed", ""),
            CHUNKED: ("parsed", ""),
            GOOD_SECOND: ("parsed", ""),
        },
    )
    return data_root


CHILD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_DATA, (int(sys.argv[1]), int(sys.argv[1])))
from newsetl import pipeline
from transforms.settings import Settings
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources

settings = Settings.from_env()
plan = pipeline.RunPlan.make("pravda", "reparse", settings)
source = load_sources(DEFAULT_SOURCES_FILE)["pravda"]
figures = pipeline.reparse(plan, settings, source, log=lambda line: None)
# VmHWM, not getrusage: the kernel carries the forking parent's peak (the test session's) into the
# child's ru_maxrss across exec; VmHWM belongs to this process image alone.
with open("/proc/self/status", encoding="ascii") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) * 1024
print(json.dumps({"plan": plan.to_dict(), "figures": figures, "peak_rss": peak}))
"""


@pytest.fixture(scope="module")
def reparsed(archive: Path) -> dict[str, Any]:
    env = site_fixtures.quiet_env(archive, NEWSETL_MAX_RESPONSE_BYTES=str(CAP))
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(CHILD_DATA_LIMIT)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    result: dict[str, Any] = json.loads(child.stdout.splitlines()[-1])
    plan = pipeline.RunPlan.from_dict(result["plan"])
    raw = Path(plan.raw_url)
    lines = [json.loads(line) for line in (raw / "outcomes.jsonl").read_text(encoding="utf-8").splitlines()]
    result["outcomes"] = {line["url"]: line for line in lines}
    settings = Settings.from_env(env)
    result["transform"] = pipeline.transform(plan, SOURCES)
    result["counts"] = pipeline.load(
        plan, settings, SOURCES, dag_run_id=None, started_at=datetime(2025, 12, 31, tzinfo=UTC)
    )
    engine = create_engine(settings.resolved_warehouse_url())
    try:
        with engine.connect() as conn:
            result["articles"] = list(conn.execute(text("SELECT url FROM articles")).scalars())
            result["versions"] = conn.execute(text("SELECT COUNT(*) FROM article_versions")).scalar_one()
            result["run"] = dict(
                conn.execute(text("SELECT * FROM crawl_runs WHERE run_id = :run"), {"run": plan.run_id})
                .one()
                ._mapping
            )
    finally:
        engine.dispose()
    return result


def test_each_page_ends_as_expected_with_its_reason(reparsed: dict[str, Any]) -> None:
    outcomes = reparsed["outcomes"]
    assert set(outcomes) == set(EXPECTED)
    wrong = {
        url: (line["outcome"], line["reason"])
        for url, line in outcomes.items()
        if line["outcome"] != EXPECTED[url][0] or EXPECTED[url][1] not in line["reason"]
    }
    assert wrong == {}
    # The redirect is followed within its own run, to the page that run fetched.
    assert outcomes[MOVED]["record_url"] == TARGET


def test_the_good_pages_load_and_the_counts_add_up(reparsed: dict[str, Any]) -> None:
    figures, counts, run = reparsed["figures"], reparsed["counts"], reparsed["run"]
    assert figures["pages"] == len(EXPECTED) == sum(figures["outcomes"].values())
    assert figures["outcomes"] == {"parsed": 5, "failed": 4}
    assert set(reparsed["articles"]) == LOADED
    assert counts["inserted"] == len(LOADED) and counts["failed"] == 4
    assert run["discovered"] == len(EXPECTED)
    assert run["discovered"] == sum(
        run[k] for k in ("inserted", "updated", "unchanged", "quarantined", "skipped", "failed")
    )
    record_figures(
        "re-parse of hostile captures",
        faulted=5,  # the redirect into a later run's bomb, the one to a later-only target, 3 oversized bodies
        recovered=1,  # the redirect, followed within its own run to the page that run fetched
        refused=counts["failed"],
        lost=len(LOADED - set(reparsed["articles"])),
        duplicated=reparsed["versions"] - len(reparsed["articles"]),
    )


def test_memory_stays_bounded_by_the_cap(reparsed: dict[str, Any]) -> None:
    assert reparsed["peak_rss"] < PEAK_RSS_BOUND, reparsed["peak_rss"]


def _zstd(data: bytes) -> bytes:
    if sys.version_info >= (3, 14):
        from compression import zstd
    else:
        from backports import zstd
    return bytes(zstd.compress(data))


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


PAGE = b"<html><body>" + "Україна ".encode() * 5000 + b"</body></html>"
HALF = len(PAGE) // 2


@pytest.mark.parametrize(
    ("coding", "body"),
    [
        ("gzip", gzip.compress(PAGE)),
        ("x-gzip", gzip.compress(PAGE)),
        ("gzip", gzip.compress(PAGE[:HALF]) + gzip.compress(PAGE[HALF:])),  # two members
        ("deflate", zlib.compress(PAGE)),
        ("deflate", _raw_deflate(PAGE)),  # without the zlib header, as some servers send it
        ("br", brotli.compress(PAGE)),
        ("zstd", _zstd(PAGE)),
        ("zstd", _zstd(PAGE[:HALF]) + _zstd(PAGE[HALF:])),  # two frames
        ("gzip, br", brotli.compress(gzip.compress(PAGE))),  # applied in that order
        ("identity", PAGE),
        ("", PAGE),
    ],
)
def test_every_coding_the_crawl_accepts_decodes_in_pieces(coding: str, body: bytes) -> None:
    from scrapers.reparse import _decompress

    assert _decompress(body, coding, len(PAGE)) == PAGE


# Built when a test runs, not when the module is collected.
BOMBS: dict[str, Callable[[], bytes]] = {
    "gzip": lambda: gzip_bomb(b"<html>", 64),
    "deflate": lambda: zlib.compress(bytes(64 << 20), 9),
    "br": lambda: brotli.compress(bytes(64 << 20), quality=5),
    "zstd": lambda: _zstd(bytes(64 << 20)),
    "gzip, br": lambda: brotli.compress(gzip_bomb(b"<html>", 64), quality=5),
}


@pytest.mark.parametrize("coding", list(BOMBS))
def test_a_bomb_of_any_coding_stops_at_the_cap(coding: str) -> None:
    from scrapers.reparse import _decompress
    from scrapers.warc import BodyTooLarge

    bomb = BOMBS[coding]()
    expected = r"larger than download max size \(100000\) once (gzip|deflate|br|zstd)-decoded"
    with pytest.raises(BodyTooLarge, match=expected):
        _decompress(bomb, coding, 100_000)

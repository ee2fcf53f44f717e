"""The replay server: recorded responses by URL, 404 for the rest, several sites, injected faults."""

from __future__ import annotations

import gzip
import http.client
import subprocess
import sys
from pathlib import Path

import pytest

from scrapers.replay import Fault, FaultPlan, ReplayServer, parse_fault_spec
from scrapers.urls import ORIGIN_HEADER
from scrapers.warc import WarcRunWriter

PRAVDA = "https://www.pravda.com.ua"
OTHER = "https://kyivindependent.example"


@pytest.fixture
def warc(tmp_path) -> Path:
    with WarcRunWriter(tmp_path, "t", name="t.warc.gz") as writer:
        for url, status, headers, body in [
            (
                f"{PRAVDA}/robots.txt",
                200,
                [("Content-Type", "text/plain")],
                b"User-agent: *\nDisallow: /x/\n",
            ),
            (f"{OTHER}/robots.txt", 200, [("Content-Type", "text/plain")], b"User-agent: *\n"),
            (
                f"{PRAVDA}/eng/news/2025/12/1/1/",
                200,
                [("Content-Type", "text/html"), ("Content-Encoding", "gzip"), ("X-Site", "up")],
                gzip.compress(b"<p>one</p>"),
            ),
            (f"{PRAVDA}/gone/", 410, [("Content-Type", "text/plain")], b"gone"),
            (f"{PRAVDA}/flaky/", 503, [], b"busy"),
            (f"{PRAVDA}/flaky/", 200, [], b"fine"),
            (f"{PRAVDA}/search/?q=a%20b", 200, [], b"query"),
        ]:
            writer.write_exchange(url, status=status, response_headers=headers, body=body)
    return writer.path


def _get(server: ReplayServer, path: str, origin: str | None = None) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", path, headers={ORIGIN_HEADER: origin} if origin else {})
    response = connection.getresponse()
    result = response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    connection.close()
    return result


def test_serves_status_headers_and_body_as_recorded(warc) -> None:
    with ReplayServer([warc]) as server:
        status, headers, body = _get(server, "/eng/news/2025/12/1/1/", PRAVDA)
        assert status == 200
        assert headers["content-encoding"] == "gzip" and headers["x-site"] == "up"
        assert gzip.decompress(body) == b"<p>one</p>"
        assert _get(server, "/gone/", PRAVDA)[:1] == (410,)
        assert _get(server, "/search/?q=a%20b")[2] == b"query"
        status, _, body = _get(server, "/never-recorded/", PRAVDA)
        assert status == 404 and b"not recorded" in body


def test_several_sites_behind_one_server(warc) -> None:
    with ReplayServer([warc]) as server:
        assert _get(server, "/robots.txt", PRAVDA)[2] == b"User-agent: *\nDisallow: /x/\n"
        assert _get(server, "/robots.txt", OTHER)[2] == b"User-agent: *\n"
        assert _get(server, "/robots.txt")[0] == 404  # ambiguous without the origin header


def test_a_successful_retry_wins_over_the_recorded_503(warc) -> None:
    with ReplayServer([warc]) as server:
        assert _get(server, "/flaky/", PRAVDA)[:1] == (200,)


def test_faults_come_first_then_the_recording(warc) -> None:
    faults = FaultPlan()
    faults.add("/eng/news/2025/12/1/1/", Fault("status", times=2, status=503))
    faults.add(f"{PRAVDA}/gone/", Fault("status", times=1, status=429, retry_after="7"))
    with ReplayServer([warc], faults=faults) as server:
        assert _get(server, "/eng/news/2025/12/1/1/", PRAVDA)[0] == 503
        assert _get(server, "/eng/news/2025/12/1/1/", PRAVDA)[0] == 503
        assert _get(server, "/eng/news/2025/12/1/1/", PRAVDA)[0] == 200
        status, headers, _ = _get(server, "/gone/", PRAVDA)
        assert (status, headers["retry-after"]) == (429, "7")
        assert _get(server, "/gone/", PRAVDA)[0] == 410
    assert faults.served[f"{PRAVDA}/eng/news/2025/12/1/1/"] == 3


def test_a_reset_fault_closes_the_connection(warc) -> None:
    faults = FaultPlan()
    faults.add("/gone/", Fault("reset"))
    with ReplayServer([warc], faults=faults) as server:
        with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
            _get(server, "/gone/", PRAVDA)
        assert _get(server, "/gone/", PRAVDA)[0] == 410


def test_truncate_and_drip_faults_send_the_recording_badly_then_well(warc) -> None:
    faults = FaultPlan()
    faults.add("/gone/", Fault("truncate"))
    faults.add("/search/?q=a%20b", Fault("drip", delay=0.01))
    with ReplayServer([warc], faults=faults) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request("GET", "/gone/", headers={ORIGIN_HEADER: PRAVDA})
        with pytest.raises(http.client.IncompleteRead) as cut:
            connection.getresponse().read()
        assert cut.value.partial == b"go"
        connection.close()
        assert _get(server, "/gone/", PRAVDA)[2] == b"gone"
        assert _get(server, "/search/?q=a%20b")[2] == b"query"  # slowly, but whole
    assert faults.faults == {"/gone/": [], "/search/?q=a%20b": []}


def test_fault_specs() -> None:
    assert parse_fault_spec("/eng/rss/=503x2") == ("/eng/rss/", Fault("status", 2, 503))
    assert parse_fault_spec("https://a.example/?q=1=429x1:5") == (
        "https://a.example/?q=1",
        Fault("status", 1, 429, "5"),
    )
    assert parse_fault_spec("/x/=resetx3") == ("/x/", Fault("reset", 3))
    assert parse_fault_spec("/x/=truncatex1") == ("/x/", Fault("truncate", 1))
    assert parse_fault_spec("/x/=dripx2:0.5") == ("/x/", Fault("drip", 2, delay=0.5))
    with pytest.raises(ValueError, match="expected URL_OR_PATH=STATUSxTIMES"):
        parse_fault_spec("503x2")
    with pytest.raises(ValueError, match="--fault '/x/=teapot'"):
        parse_fault_spec("/x/=teapot")


def test_newsetl_replay_command(warc) -> None:
    newsetl = Path(sys.executable).parent / "newsetl"
    process = subprocess.Popen(
        [str(newsetl), "replay", str(warc), "--port", "0", "--fault", "/gone/=500x1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("serving 6 recorded URLs at http://127.0.0.1:")
        port = int(line.rsplit(":", 1)[1])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for expected in (500, 410):
            connection.request("GET", "/gone/", headers={ORIGIN_HEADER: PRAVDA})
            response = connection.getresponse()
            response.read()
            assert response.status == expected
        connection.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_newsetl_replay_rejects_a_missing_file(tmp_path) -> None:
    newsetl = Path(sys.executable).parent / "newsetl"
    done = subprocess.run(
        [str(newsetl), "replay", str(tmp_path / "nope.warc.gz")], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "no such file" in done.stderr and "nope.warc.gz" in done.stderr

"""The raw archive: written with warcio, read back with warcio, repaired after a kill."""

from __future__ import annotations

import gzip

from warcio.archiveiterator import ArchiveIterator

from scrapers.warc import WarcRunWriter, iter_records, iter_responses, repair_warc

PAGE = "<html><body><p>Привіт</p></body></html>".encode()


def _write_one(tmp_path, **kwargs):
    with WarcRunWriter(tmp_path, "pravda") as writer:
        record_id = writer.write_exchange(
            "https://www.pravda.com.ua/eng/news/2025/12/1/1/?x=1",
            method="GET",
            request_headers=[("User-Agent", "newsetl-test")],
            request_body=b"",
            status=kwargs.get("status", 200),
            response_headers=kwargs.get(
                "headers",
                [
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Transfer-Encoding", "chunked"),
                    ("Content-Length", "1"),
                ],
            ),
            body=kwargs.get("body", PAGE),
        )
        writer.write_error("https://www.pravda.com.ua/slow/", "TimeoutError: took longer than 30.0 seconds")
    return writer.path, record_id


def test_a_response_reads_back_as_written(tmp_path) -> None:
    path, record_id = _write_one(tmp_path)
    assert path.name.startswith("pravda-") and path.name.endswith(".warc.gz")
    (response,) = list(iter_responses([path]))
    assert response.url == "https://www.pravda.com.ua/eng/news/2025/12/1/1/?x=1"
    assert response.status == 200 and response.reason == "OK"
    assert response.body == PAGE
    assert response.record_id == record_id
    assert response.header("content-type") == "text/html; charset=utf-8"
    # The body was recorded de-chunked: the connection's framing headers would lie about it.
    assert response.header("Transfer-Encoding") is None
    assert response.header("Content-Length") == str(len(PAGE))


def test_records_come_as_warcinfo_then_response_request_pairs_and_error_notes(tmp_path) -> None:
    path, record_id = _write_one(tmp_path)
    kinds = [kind for kind, _, _ in iter_records(path)]
    assert kinds == ["warcinfo", "response", "request", "metadata"]
    with path.open("rb") as stream:
        records = [
            (r.rec_headers, r.http_headers, r.content_stream().read()) for r in ArchiveIterator(stream)
        ]
    request_warc, request_http, _ = records[2]
    assert request_warc.get_header("WARC-Concurrent-To") == record_id
    assert request_http.protocol == "GET"
    assert request_http.get_header("Host") == "www.pravda.com.ua"
    assert b"TimeoutError" in records[3][2]


def test_every_record_is_its_own_gzip_member(tmp_path) -> None:
    path, _ = _write_one(tmp_path)
    data = path.read_bytes()
    members = data.count(b"\x1f\x8b\x08")
    assert members >= 4
    assert gzip.decompress(data).startswith(b"WARC/1.")


def test_an_encoded_body_is_kept_as_received(tmp_path) -> None:
    encoded = gzip.compress(PAGE)
    path, _ = _write_one(tmp_path, body=encoded, headers=[("Content-Encoding", "gzip")])
    (response,) = list(iter_responses([path]))
    assert response.body == encoded and response.header("Content-Encoding") == "gzip"


def test_repair_cuts_a_half_written_last_record(tmp_path) -> None:
    with WarcRunWriter(tmp_path, "pravda") as writer:
        writer.write_exchange(
            "https://www.pravda.com.ua/a/",
            method="GET",
            request_headers=[],
            request_body=b"",
            status=200,
            response_headers=[],
            body=PAGE,
        )
        last_member = writer.bytes  # where the metadata record, written last, starts
        writer.write_error("https://www.pravda.com.ua/b/", "ConnectionLost")
    path = writer.path
    intact = path.read_bytes()
    assert repair_warc(path) == 0
    path.write_bytes(intact[:-10])  # a process killed inside that write
    assert repair_warc(path) == len(intact) - 10 - last_member
    assert path.read_bytes() == intact[:last_member]
    assert [kind for kind, _, _ in iter_records(path)] == ["warcinfo", "response", "request"]


def test_two_writers_never_share_a_file(tmp_path) -> None:
    with WarcRunWriter(tmp_path, "pravda") as first, WarcRunWriter(tmp_path, "pravda") as second:
        assert first.path != second.path


def test_records_carry_digests_that_check_out(tmp_path) -> None:
    # Records are serialised uncompressed and gzipped here, not by warcio: the digests must still match.
    path, _ = _write_one(tmp_path)
    with path.open("rb") as stream:
        records = list(ArchiveIterator(stream, check_digests="raise"))
        kinds = [r.rec_type for r in records]
    assert kinds == ["warcinfo", "response", "request", "metadata"]
    with path.open("rb") as stream:
        headers = [r.rec_headers for r in ArchiveIterator(stream)]
    assert headers[1].get_header("WARC-Payload-Digest", "").startswith("sha1:")

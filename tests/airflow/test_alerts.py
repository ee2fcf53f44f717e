"""Alerts (issue 12, items 3 and 4): a task that failed for good sends one e-mail and one webhook POST.

Real delivery: an aiosmtpd SMTP server (with a login) and an http.server endpoint on 127.0.0.1, the Airflow
connections ``newsetl_smtp`` and ``newsetl_webhook`` defined through Airflow's environment variables, and
real DAG runs (``dag.test()``) whose tasks carry ``DEFAULT_ARGS``'s ``on_failure_callback``.

dag.test() runs retries in-process, waiting out ``retry_delay`` between tries; the DAGs under test get a
zero delay (and keep their retries), so a failing task takes every try at once and the tests never sleep.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from html import unescape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

PROJECT = Path(__file__).resolve().parents[2]
DAGS = PROJECT / "dags"

pytestmark = [
    pytest.mark.airflow,
    # The test SMTP server asks for a login without TLS (it has none); aiosmtpd warns about that.
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]


# -- the local SMTP server and webhook -----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Mailbox:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


def _body(message: Message) -> str:
    """The text of an alert e-mail (its HTML part, tags and entities undone)."""
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            text = payload.decode(part.get_content_charset() or "utf-8")
            return unescape(text.removeprefix("<pre>").removesuffix("</pre>"))
    raise AssertionError(f"no text/html part in {message}")


class Webhook:
    """An HTTP endpoint keeping the JSON body of every POST; answers ``status``."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.status = 204
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                hook.posts.append(json.loads(self.rfile.read(length)))
                self.send_response(hook.status)
                if 300 <= hook.status < 400:
                    self.send_header(
                        "Location", f"http://127.0.0.1:{self.server.server_address[1]}/elsewhere"
                    )
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/T0/secret-token"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Webhook:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"alerts", b"s3cret")
        return AuthResult(success=ok)

    box = Mailbox()
    port = _free_port()
    # A login is required (so a delivered message proves the connection's login/password were used); the
    # test server has no TLS, so AUTH is allowed in the clear here.
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticate,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    with Webhook() as hook:
        yield hook


def smtp_connection(port: int, **extra: Any) -> str:
    return json.dumps(
        {
            "conn_type": "smtp",
            "host": "127.0.0.1",
            "port": port,
            "login": "alerts",
            "password": "s3cret",
            "extra": {
                "to": "ops@example.org, oncall@example.org",
                "from_email": "newsetl@example.org",
                "disable_ssl": True,
                "disable_tls": True,
                "timeout": 10,
                "retry_limit": 0,
                **extra,
            },
        }
    )


@pytest.fixture
def alert_connections(
    mailbox: tuple[Mailbox, int], webhook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> tuple[Mailbox, Webhook]:
    """Both connections defined (as an operator would, through AIRFLOW_CONN_* variables)."""
    box, port = mailbox
    monkeypatch.setenv("AIRFLOW_CONN_NEWSETL_SMTP", smtp_connection(port))
    monkeypatch.setenv("AIRFLOW_CONN_NEWSETL_WEBHOOK", json.dumps({"conn_type": "http", "host": webhook.url}))
    return box, webhook


# -- DAG runs --------------------------------------------------------------------------------------------

PROBE_DAG = """
from airflow.sdk import TaskGroup, dag, task

from newsetl.dag_defaults import DEFAULT_ARGS, START_DATE

TRIES = {tries!r}


@task
def fetch() -> None:
    with open(TRIES, "a") as tries:
        tries.write("try\\n")
    raise ConnectionRefusedError("http://127.0.0.1:9/rss.xml: connection refused")


@task
def fine() -> None:
    pass


@dag(dag_id="alerts_probe", schedule=None, start_date=START_DATE, default_args=DEFAULT_ARGS)
def alerts_probe() -> None:
    with TaskGroup(group_id="pravda"):
        fetch()
    fine()


@dag(dag_id="alerts_probe_param", schedule=None, start_date=START_DATE, default_args=DEFAULT_ARGS,
     params={{"source": "unian"}})
def alerts_probe_param() -> None:
    fetch()


alerts_probe()
alerts_probe_param()
"""


def _without_retry_waits(dag: Any) -> Any:
    """The DAG with its retries kept but no wait between tries (dag.test() would sleep it out)."""
    for task in dag.tasks:
        task.retry_delay = timedelta(0)
        task.retry_exponential_backoff = 0
    return dag


def _probe_dags(tmp_path: Path) -> tuple[dict[str, Any], Path]:
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db

    folder = tmp_path / "probe_dags"
    folder.mkdir()
    tries = tmp_path / "tries.txt"
    (folder / "alerts_probe.py").write_text(PROBE_DAG.format(tries=str(tries)), encoding="utf-8")
    dagbag = DagBag(str(folder))
    assert dagbag.import_errors == {}
    # dag.test() runs DAGs the metadata DB knows; these are not in the DAG folder it syncs, so store them.
    DagBundlesManager().sync_bundles_to_db()
    sync_bag_to_db(dagbag, "dags-folder", None)
    return {dag_id: _without_retry_waits(dag) for dag_id, dag in dagbag.dags.items()}, tries


def _states(dag_run: Any) -> dict[str, str]:
    from airflow.utils.session import create_session

    with create_session() as session:
        return {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances(session=session)}


def test_a_task_that_fails_after_its_retries_sends_one_email_and_one_post(
    airflow_db: Path, tmp_path: Path, alert_connections: tuple[Mailbox, Webhook]
) -> None:
    from airflow.utils.state import DagRunState

    box, hook = alert_connections
    dags, tries = _probe_dags(tmp_path)
    dag_run = dags["alerts_probe"].test()

    assert dag_run.state == DagRunState.FAILED
    assert _states(dag_run) == {"pravda.fetch": "failed", "fine": "success"}
    assert tries.read_text().count("try") == 3  # DEFAULT_ARGS: 2 retries; only the last failure alerts
    assert len(box.messages) == 1 and len(hook.posts) == 1

    message, post = box.messages[0], hook.posts[0]
    reason = "ConnectionRefusedError: http://127.0.0.1:9/rss.xml: connection refused"
    assert message["Subject"] == "newsetl: alerts_probe task pravda.fetch failed (source pravda)"
    assert box.envelopes[0] == ("newsetl@example.org", ["ops@example.org", "oncall@example.org"])
    body = _body(message)
    for line in ("DAG     alerts_probe", f"Run     {dag_run.run_id}", "Task    pravda.fetch (try 3)"):
        assert line in body
    assert "Source  pravda" in body and body.endswith(f"Reason:\n{reason}")
    assert {key: post[key] for key in ("dag_id", "run_id", "task_id", "source", "reason", "try_number")} == {
        "dag_id": "alerts_probe",
        "run_id": dag_run.run_id,
        "task_id": "pravda.fetch",
        "source": "pravda",
        "reason": reason,
        "try_number": 3,
    }
    assert "/dags/alerts_probe/runs/" in post["log_url"] and reason in post["text"]


def test_the_source_of_a_backfill_or_reparse_run_is_its_source_param(
    airflow_db: Path, tmp_path: Path, alert_connections: tuple[Mailbox, Webhook]
) -> None:
    box, hook = alert_connections
    dags, _ = _probe_dags(tmp_path)
    dags["alerts_probe_param"].test(run_conf={"source": "nv"})
    assert [post["source"] for post in hook.posts] == ["nv"]
    assert [message["Subject"] for message in box.messages] == [
        "newsetl: alerts_probe_param task fetch failed (source nv)"
    ]


def test_without_connections_a_failure_is_logged_and_nothing_is_sent(
    airflow_db: Path,
    tmp_path: Path,
    mailbox: tuple[Mailbox, int],
    webhook: Webhook,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from airflow.utils.state import DagRunState

    from newsetl import alerts

    monkeypatch.delenv("AIRFLOW_CONN_NEWSETL_SMTP", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_NEWSETL_WEBHOOK", raising=False)
    monkeypatch.setattr(alerts, "_warned", set())
    dags, _ = _probe_dags(tmp_path)
    with caplog.at_level(logging.WARNING):
        dag_run = dags["alerts_probe"].test()
    assert dag_run.state == DagRunState.FAILED
    assert _states(dag_run)["pravda.fetch"] == "failed"
    box, _ = mailbox
    assert box.messages == [] and webhook.posts == []
    warnings = [r.getMessage() for r in caplog.records if r.name == "newsetl.alerts"]
    assert warnings == [
        "no Airflow connection 'newsetl_smtp': alerts are not sent by e-mail (docs/operations.md, Alerts)",
        "no Airflow connection 'newsetl_webhook': alerts are not sent by webhook"
        " (docs/operations.md, Alerts)",
    ]


def test_a_delivery_that_fails_is_logged_and_the_other_still_goes(
    airflow_db: Path,
    tmp_path: Path,
    alert_connections: tuple[Mailbox, Webhook],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from airflow.utils.state import DagRunState

    box, hook = alert_connections
    hook.status = 302  # a redirect is not followed: the alert goes where it was configured to, or fails
    monkeypatch.setenv("AIRFLOW_CONN_NEWSETL_SMTP", smtp_connection(_free_port()))  # nothing listens
    dags, _ = _probe_dags(tmp_path)
    with caplog.at_level(logging.ERROR):
        dag_run = dags["alerts_probe"].test()
    assert dag_run.state == DagRunState.FAILED
    assert _states(dag_run)["pravda.fetch"] == "failed"  # the task's own failure, not the alert's
    assert box.messages == [] and len(hook.posts) == 1
    errors = [r.getMessage() for r in caplog.records if r.name == "newsetl.alerts"]
    assert len(errors) == 2
    assert errors[0].startswith(
        "alert e-mail for alerts_probe pravda.fetch not delivered: ConnectionRefusedError"
    )
    assert (
        errors[1]
        == "alert webhook for alerts_probe pravda.fetch not delivered: HTTPError: HTTP Error 302: Found"
    )
    assert "secret-token" not in "\n".join(errors)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("", "no webhook URL"),
        ("file:///etc/passwd", "must start with http:// or https://, not file:"),
        ("ftp://example.org/x", "must start with http:// or https://, not ftp:"),
        ("hooks.example.org/x", "must start with http:// or https://, not nothing:"),
        ("https://user:pw@hooks.example.org/x", "must not carry a user:password@ part"),
        ("https:///x", "has no host"),
        ("https://hooks.example.org:99999/x", "is not a URL"),
        ("https://hooks.example.org/x\r\nX-Injected: 1", "whitespace or control characters"),
        ("https://hooks.example.org/" + "a" * 2100, "longer than 2048 characters"),
    ],
)
def test_a_webhook_url_is_checked_before_use(url: str, problem: str) -> None:
    from airflow.sdk import Connection

    from newsetl.alerts import webhook_url, webhook_url_problem

    assert problem in webhook_url_problem(url)
    with pytest.raises(ValueError, match=f"^connection 'newsetl_webhook': .*{problem[:20]}"):
        webhook_url(Connection(conn_id="newsetl_webhook", conn_type="http", host=url))
    assert webhook_url_problem("https://hooks.example.org/services/T0/B0/xyz") == ""
    extra = Connection(conn_id="w", conn_type="generic", extra=json.dumps({"url": "http://127.0.0.1:8/h"}))
    assert webhook_url(extra) == "http://127.0.0.1:8/h"


def test_a_long_reason_is_cut_in_the_alert() -> None:
    from newsetl.alerts import REASON_LIMIT, alert_from_context

    alert = alert_from_context({"exception": ValueError("x" * 10_000)})
    assert alert.reason.startswith("ValueError: xxx") and len(alert.reason) < REASON_LIMIT + 60
    assert alert.reason.endswith("more characters in the task log)")
    assert len(json.dumps(alert.payload()).encode()) < 4 * REASON_LIMIT


# -- news_ingest ---------------------------------------------------------------------------------------


def _news_ingest(monkeypatch: pytest.MonkeyPatch, data_root: Path, mirror: str) -> Any:
    """news_ingest of pravda alone (NEWSETL_INGEST_SOURCES), crawling ``mirror``, into a warehouse under
    ``data_root``; parsed after the settings are in the environment (the DAG file reads them)."""
    import site_fixtures
    from airflow.dag_processing.dagbag import DagBag

    env = site_fixtures.quiet_env(data_root, NEWSETL_MIRROR=mirror, NEWSETL_INGEST_SOURCES="pravda")
    for name, value in env.items():
        if name.startswith("NEWSETL_"):
            monkeypatch.setenv(name, value)
    dagbag = DagBag(str(DAGS))
    assert dagbag.import_errors == {}
    return _without_retry_waits(dagbag.dags["news_ingest"])


def _failed(dag_run: Any) -> list[str]:
    return sorted(task for task, state in _states(dag_run).items() if state == "failed")


def _one_alert_per_failed_task(box: Mailbox, hook: Webhook, failed: list[str]) -> dict[str, dict[str, Any]]:
    """Checks that each failed task sent exactly one e-mail and one POST; the POSTs by task id."""
    assert sorted(post["task_id"] for post in hook.posts) == failed
    subjects = sorted(message["Subject"] for message in box.messages)
    assert len(subjects) == len(failed)
    for task in failed:
        assert sum(f"task {task} failed" in subject for subject in subjects) == 1, (task, subjects)
    return {post["task_id"]: post for post in hook.posts}


@pytest.mark.slow
def test_news_ingest_against_an_unreachable_mirror_alerts_for_each_failed_task(
    airflow_db: Path,
    tmp_path: Path,
    alert_connections: tuple[Mailbox, Webhook],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from airflow.utils.state import DagRunState

    box, hook = alert_connections
    closed = _free_port()  # nothing listens there
    dag = _news_ingest(monkeypatch, tmp_path / "data", f"http://127.0.0.1:{closed}")
    dag_run = dag.test()

    assert dag_run.state == DagRunState.FAILED
    # The check fails the run (every discovery URL failed); freshness, which runs whatever the groups did,
    # fails too (the run must not be green), but sends no alert of its own: pravda is stale (it never had
    # an article), and its check's alert already says why. One message for the failed run.
    assert _failed(dag_run) == ["freshness", "pravda.check"]
    posts = _one_alert_per_failed_task(box, hook, ["pravda.check"])
    check = posts["pravda.check"]
    assert (check["dag_id"], check["run_id"], check["source"]) == ("news_ingest", dag_run.run_id, "pravda")
    # The reason names the URLs as the source has them (the mirror stands in for their host) and the error.
    assert "every discovery URL failed" in check["reason"]
    assert "https://www.pravda.com.ua/eng/rss/" in check["reason"] and "Connection refused" in check["reason"]
    mail = next(m for m in box.messages if "task pravda.check failed" in m["Subject"])
    assert mail["Subject"] == "newsetl: news_ingest task pravda.check failed (source pravda)"
    assert check["reason"] in _body(mail)


@pytest.mark.slow
def test_news_ingest_green_sends_nothing_until_the_source_goes_quiet_too_long(
    airflow_db: Path,
    fixture_site: Any,
    tmp_path: Path,
    alert_connections: tuple[Mailbox, Webhook],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import sqlite3

    import site_fixtures
    from airflow.utils.state import DagRunState

    box, hook = alert_connections
    data_root = tmp_path / "data"
    with site_fixtures.replay_process([fixture_site.warc]) as mirror:
        dag = _news_ingest(monkeypatch, data_root, mirror)
        with caplog.at_level(logging.INFO):
            first = dag.test()
        assert first.state == DagRunState.SUCCESS, _states(first)
        assert set(_states(first).values()) == {"success"} and "freshness" in _states(first)
        assert box.messages == [] and hook.posts == []
        table = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("freshness of"))
        assert "pravda  no " in table  # the freshness table's row for pravda: not stale

        # Three days on, nothing new: every article of the site is in the warehouse unchanged, so the next
        # hourly run loads nothing new (and is right to), and pravda is quiet for longer than its 24 hours.
        with sqlite3.connect(data_root / "warehouse.sqlite") as conn:
            conn.execute(
                "UPDATE articles SET first_seen_at = datetime(first_seen_at, '-72 hours')"
                " WHERE source = 'pravda'"
            )
        second = dag.test()
    assert second.state == DagRunState.FAILED
    assert _failed(second) == ["freshness"]  # the source's own tasks are green: nothing new is not an error
    [post] = _one_alert_per_failed_task(box, hook, ["freshness"]).values()
    assert post["source"] == "pravda" and post["run_id"] == second.run_id
    assert post["reason"].startswith("stale: source 'pravda': no new article for ")  # 72 h and a bit
    assert "(max_quiet_hours 24)" in post["reason"]
    assert "failed in this run" not in post["reason"]

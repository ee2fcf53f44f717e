"""Alerts to the operator: one e-mail and one webhook POST when a task has failed for good.

:class:`FailureAlert` is an Airflow notifier (``airflow.sdk.BaseNotifier``), every DAG task's
``on_failure_callback`` (``newsetl.dag_defaults.DEFAULT_ARGS``). Airflow calls it in the task's own process
once the task is FAILED: after its last retry, or at once for ``AirflowFailException`` (a refused form, a
failed check, stale sources). A try that will be retried is not a failure yet (Airflow calls
``on_retry_callback`` then), so the operator hears once per failed task, not once per try.

What it sends, and where to (docs/operations.md, "Alerts"):

- an e-mail through the Airflow connection ``newsetl_smtp`` (host, port, login and password; extras ``to``
  and ``from_email``, plus the SMTP provider's own ``disable_ssl``, ``disable_tls``, ``timeout``), sent by
  the SMTP provider's ``SmtpNotifier``;
- a JSON POST to the URL of the Airflow connection ``newsetl_webhook`` (its extra ``url``, or a host that
  holds the whole URL).

Each names the DAG, the run, the task, the source and the reason (the exception's message). A connection
that is not defined means no alert of that kind (one WARNING per process says so). A delivery that fails is
logged at ERROR and never raised: the task's own failure is what Airflow records and shows.

The webhook URL is configuration a person typed, so it is checked before use: http or https, a host, no
user:password part; the POST has a timeout, a bounded body and follows no redirect.

The freshness task of news_ingest reports through the same path: it raises :class:`SourcesFailed`, which
names the sources (the stale ones, and those whose tasks failed in the run) for the alert.
"""

from __future__ import annotations

import html
import json
import logging
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from airflow.sdk import BaseNotifier
from airflow.sdk.exceptions import AirflowFailException

log = logging.getLogger(__name__)

SMTP_CONN_ID = "newsetl_smtp"
WEBHOOK_CONN_ID = "newsetl_webhook"

WEBHOOK_TIMEOUT_SECONDS = 10.0
# The reason is cut here in both messages (the whole text stays in the task log): a check that lists
# hundreds of URLs should not make a mail server or a chat webhook refuse the message.
REASON_LIMIT = 3000
MAX_URL_LENGTH = 2048

_warned: set[str] = set()  # connection ids already reported missing by this process


class SourcesFailed(AirflowFailException):
    """A task failure about named sources (fails at once, no retry); the alert names ``sources``.

    ``alert=False`` fails the task without an alert of its own: the freshness task fails a run whose source
    tasks failed (so the run is not green), and each of those tasks has already sent its alert."""

    def __init__(self, message: str, sources: Iterable[str], *, alert: bool = True) -> None:
        super().__init__(message)
        self.sources = tuple(sources)
        self.alert = alert


@dataclass(frozen=True)
class Alert:
    """One failed task, as the e-mail and the webhook tell it."""

    dag_id: str
    run_id: str
    task_id: str
    source: str  # '' for a task that is not about one source (e.g. the export)
    reason: str
    try_number: int | None = None
    log_url: str = ""

    @property
    def subject(self) -> str:
        about = f" (source {self.source})" if self.source else ""
        return _one_line(f"newsetl: {self.dag_id} task {self.task_id} failed{about}")

    @property
    def text(self) -> str:
        rows = [
            ("DAG", self.dag_id),
            ("Run", self.run_id),
            ("Task", self.task_id + (f" (try {self.try_number})" if self.try_number else "")),
            ("Source", self.source or "-"),
        ]
        if self.log_url:
            rows.append(("Log", self.log_url))
        width = max(len(name) for name, _ in rows)
        lines = [f"{name:<{width}}  {value}" for name, value in rows]
        return "\n".join(
            ["A newsetl task failed (after its retries, if any).", "", *lines, "", "Reason:", self.reason]
        )

    def payload(self) -> dict[str, Any]:
        """The webhook's JSON body: the fields, and ``text`` (what chat webhooks such as Slack's show)."""
        return {
            "dag_id": self.dag_id,
            "run_id": self.run_id,
            "task_id": self.task_id,
            "source": self.source,
            "reason": self.reason,
            "try_number": self.try_number,
            "log_url": self.log_url,
            "text": f"{self.subject}\n{self.reason}",
        }


def alert_from_context(context: Mapping[str, Any]) -> Alert:
    """The :class:`Alert` for a task-failure context (what Airflow passes an ``on_failure_callback``)."""
    ti = context.get("ti") or context.get("task_instance")
    dag_run = context.get("dag_run")
    exception = context.get("exception")
    return Alert(
        dag_id=str(getattr(ti, "dag_id", "") or getattr(context.get("dag"), "dag_id", "")),
        run_id=str(getattr(dag_run, "run_id", "") or getattr(ti, "run_id", "") or context.get("run_id", "")),
        task_id=str(getattr(ti, "task_id", "")) + _map_suffix(ti),
        source=_source(context, exception),
        reason=_reason(exception),
        try_number=getattr(ti, "try_number", None),
        log_url=_log_url(ti),
    )


def _map_suffix(ti: Any) -> str:
    map_index = getattr(ti, "map_index", -1)
    if map_index is None or map_index < 0:
        return ""
    return f"[{getattr(ti, 'rendered_map_index', None) or map_index}]"


def _log_url(ti: Any) -> str:
    try:
        return str(ti.log_url) if ti is not None else ""
    except Exception:  # the UI's address is a nicety; never let it stop the alert
        return ""


def _source(context: Mapping[str, Any], exception: Any) -> str:
    """The source a failure is about: the sources the exception names (the freshness task), else the
    ``source`` param (news_backfill, news_reparse), else the task's top task group (news_ingest names each
    source's group after its key)."""
    named = getattr(exception, "sources", None)
    if named:
        return ", ".join(str(s) for s in named)
    params = context.get("params") or {}
    try:
        chosen = params.get("source")
    except Exception:  # a params object without .get(); no source then
        chosen = None
    if isinstance(chosen, str) and chosen:
        return chosen
    group_id = getattr(getattr(context.get("task"), "task_group", None), "group_id", None)
    return str(group_id).split(".")[0] if group_id else ""


def _reason(exception: Any) -> str:
    """The exception's message; Airflow's own exceptions carry a message written for people, the others
    are named by their type too (``ConnectionRefusedError: [Errno 111] …``)."""
    if exception is None:
        text = "the task failed without an exception (see its log)"
    elif isinstance(exception, BaseException):
        message = str(exception).strip()
        kind = type(exception)
        if kind.__module__.startswith("airflow.") or isinstance(exception, SourcesFailed):
            text = message or kind.__name__
        else:
            text = f"{kind.__name__}: {message}" if message else kind.__name__
    else:
        text = str(exception).strip() or "the task failed (see its log)"
    if len(text) > REASON_LIMIT:
        cut = len(text) - REASON_LIMIT
        text = f"{text[:REASON_LIMIT]}… ({cut} more characters in the task log)"
    return text


def _one_line(text: str) -> str:
    return " ".join(text.split())


class FailureAlert(BaseNotifier):
    """Sends the :class:`Alert` of a failed task by e-mail and to the webhook, each if its connection is
    defined; never raises (a delivery problem is logged)."""

    def notify(self, context: Any) -> None:
        if getattr(context.get("exception"), "alert", True) is False:
            log.info("no alert for this failure: the failed tasks it reports have sent their own")
            return
        try:
            alert = alert_from_context(context)
        except Exception:
            log.exception("alert not sent: could not read the failed task's context")
            return
        for channel, send in (("e-mail", send_email), ("webhook", send_webhook)):
            try:
                send(alert)
            except Exception as exc:
                log.error(
                    "alert %s for %s %s not delivered: %s: %s",
                    channel,
                    alert.dag_id,
                    alert.task_id,
                    type(exc).__name__,
                    exc,
                )


def _connection(conn_id: str, kind: str) -> Any:
    """The Airflow connection ``conn_id``, or None (logged once per process) when it is not defined."""
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return Connection.get(conn_id)
    except AirflowNotFoundException:
        if conn_id not in _warned:
            _warned.add(conn_id)
            log.warning(
                "no Airflow connection %r: alerts are not sent by %s (docs/operations.md, Alerts)",
                conn_id,
                kind,
            )
        return None


def send_email(alert: Alert) -> bool:
    """Mail ``alert`` through the ``newsetl_smtp`` connection; False when it is not configured."""
    conn = _connection(SMTP_CONN_ID, "e-mail")
    if conn is None:
        return False
    extra = conn.extra_dejson or {}
    to = extra.get("to")
    if not to:
        raise ValueError(f"connection {SMTP_CONN_ID!r} has no 'to' extra (the addresses to mail alerts to)")
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    # notify() rather than calling the notifier: calling it would render the texts as Jinja templates, and
    # an exception's message is not a template.
    SmtpNotifier(
        to=to,
        from_email=extra.get("from_email") or None,
        subject=alert.subject,
        html_content=f"<pre>{html.escape(alert.text, quote=False)}</pre>",
        smtp_conn_id=SMTP_CONN_ID,
    ).notify({})
    log.info("alert e-mail for %s %s sent to %s", alert.dag_id, alert.task_id, to)
    return True


def webhook_url(conn: Any) -> str:
    """The webhook's URL from its connection: the extra ``url``, or a host that holds the whole URL;
    raises ValueError (one line) when it is missing or not an http(s) URL to a host."""
    extra = conn.extra_dejson or {}
    url = str(extra.get("url") or conn.host or "").strip()
    problem = webhook_url_problem(url)
    if problem:
        raise ValueError(f"connection {conn.conn_id!r}: {problem}")
    return url


def webhook_url_problem(url: str) -> str:
    """'' for a URL the alerts may POST to, else what is wrong with it."""
    if not url:
        return "no webhook URL: set the extra 'url' (or the host) to the whole https://… URL"
    if len(url) > MAX_URL_LENGTH:
        return f"the webhook URL is longer than {MAX_URL_LENGTH} characters"
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return "the webhook URL contains whitespace or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # raises ValueError for a port that is not a number in range
    except ValueError as exc:
        return f"the webhook URL is not a URL ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        return f"the webhook URL must start with http:// or https://, not {parts.scheme or 'nothing'}:"
    if not parts.hostname:
        return "the webhook URL has no host"
    if parts.username is not None or parts.password is not None:
        return "the webhook URL must not carry a user:password@ part"
    return ""


def send_webhook(alert: Alert) -> bool:
    """POST ``alert`` as JSON to the ``newsetl_webhook`` connection's URL; False when it is not
    configured. Any answer but 2xx (a redirect included: none is followed) raises."""
    conn = _connection(WEBHOOK_CONN_ID, "webhook")
    if conn is None:
        return False
    url = webhook_url(conn)
    body = json.dumps(alert.payload(), ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "newsetl-alerts"},
    )
    opener = urllib.request.build_opener(_NoRedirect)
    with opener.open(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
        status = response.status
    if not 200 <= status < 300:
        raise OSError(f"webhook {_shown(url)} answered HTTP {status}")
    log.info(
        "alert webhook for %s %s posted to %s (HTTP %d)", alert.dag_id, alert.task_id, _shown(url), status
    )
    return True


def _shown(url: str) -> str:
    """The URL without its path and query, which often hold the webhook's secret token."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…" if parts.path not in ("", "/") or parts.query else url


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Follows no redirect: the alert goes to the configured URL or fails (urllib then raises HTTPError
    for the 3xx answer)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# The freshness task of news_ingest ------------------------------------------------------------------------

FAILED_STATES = ("failed",)


def check_freshness(warehouse_url: str, sources: Iterable[str], task_states: Mapping[str, Any]) -> None:
    """The freshness task's verdict on a news_ingest run: logs a table of each source's freshness, then
    raises :class:`SourcesFailed` naming the stale sources (their ``describe()`` lines, each also logged at
    ERROR) and the tasks of the run that failed (``task_states``: task id -> state). Naming those tasks is
    what keeps this task, the DAG's last (the run's state follows it), from turning a run with a failed
    source green, and from hiding which tasks failed behind "stale". Failed tasks, and stale sources whose
    tasks failed in this run, send no alert from here: each of those tasks sent its own, so a failed run
    gives one message per failed task, and this task alerts only for sources that went quiet."""
    from warehouse.freshness import source_freshness
    from warehouse.migrate import WarehouseNotReady, require_current

    keys = list(sources)
    failed = sorted(task for task, state in task_states.items() if str(state) in FAILED_STATES)
    failed_sources = {task.split(".")[0] for task in failed if "." in task}
    problems: list[str] = []
    named: list[str] = []
    # A stale source whose task failed in this run is listed, but is no reason for an alert of its own:
    # that task's alert says what is wrong with it.
    alert = False
    try:
        require_current(warehouse_url)
        entries = source_freshness(warehouse_url, keys)
    except WarehouseNotReady as exc:
        problems.append(f"freshness unknown: {exc}")
        alert = True
    else:
        log.info("%s", freshness_table(entries, keys))
        for entry in entries:
            if entry.stale:
                problems.append(f"stale: {entry.describe()}")
                named.append(entry.source)
                alert = alert or entry.source not in failed_sources
    if failed:
        problems.append(f"failed in this run: {', '.join(failed)} (each task's own alert and log say why)")
        named += sorted(failed_sources)
    for problem in problems:
        log.error("%s", problem)
    if problems:
        # Failed tasks alone fail the run (it must not be green) without a second alert.
        raise SourcesFailed("\n".join(problems), dict.fromkeys(named), alert=alert)


def freshness_table(entries: Iterable[Any], keys: Iterable[str]) -> str:
    """An aligned table of the sources' freshness (``warehouse.freshness.SourceFreshness`` rows); a key
    without a row (nothing loaded for it yet) is listed as such."""
    by_key = {entry.source: entry for entry in entries}
    header = ("source", "stale", "hours since new", "max quiet h", "last new article", "last successful run")
    rows = [header]
    for key in keys:
        entry = by_key.get(key)
        if entry is None:
            rows.append((key, "-", "-", "-", "nothing loaded yet", "-"))
            continue
        hours = "-" if entry.hours_since_new_article is None else f"{entry.hours_since_new_article:.1f}"
        rows.append(
            (
                entry.source,
                "STALE" if entry.stale else "no",
                hours,
                str(entry.max_quiet_hours),
                _when(entry.last_new_article_at),
                _when(entry.last_successful_run_at),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    right = {2, 3}  # numbers
    lines = [
        "  ".join(
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(row)
        )
        for row in rows
    ]
    return "\n".join(
        [
            "freshness of the sources (max_quiet_hours: seeds/sources.yaml)",
            *("  " + line.rstrip() for line in lines),
        ]
    )


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "none"

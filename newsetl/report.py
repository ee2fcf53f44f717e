"""The analysts' HTML report: one self-contained file with its charts drawn by plotly.js, which is inlined
once in the page's head, so the file opens offline and asks no server for anything.

What it shows is read by ``warehouse.report_data``; this module only draws it. Every text that comes from
the warehouse (source keys, headlines, tags) is escaped before it enters the page; inside the charts,
plotly sets it as text, never as markup.
"""

from __future__ import annotations

import html
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from transforms import storage
from transforms.settings import Settings

if TYPE_CHECKING:
    from warehouse.report_data import ReportData

REPORT_NAME = "report.html"
DEFAULT_DAYS = 30


def report_url(settings: Settings) -> str:
    """The default place of the report: ``{data root}/report`` (a folder, or an object-store prefix)."""
    from newsetl.pipeline import absolute_data_root

    return storage.join(absolute_data_root(settings), "report")


def write_report(settings: Settings, out_dir: Path | None = None, days: int = DEFAULT_DAYS) -> str:
    """Write ``report.html`` from the warehouse of ``settings`` into ``out_dir`` (default
    :func:`report_url`, uploaded there when the data root is an object store); returns the written file's
    path or URL."""
    from sqlalchemy.engine import make_url

    from warehouse.engine import make_engine
    from warehouse.migrate import require_current
    from warehouse.report_data import report_data

    url = settings.resolved_warehouse_url()
    require_current(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            data = report_data(conn, days)
    finally:
        engine.dispose()
    shown_url = make_url(url).render_as_string(hide_password=True)
    page = render(data, warehouse=shown_url, generated_at=datetime.now(UTC))
    target = storage.join(str(out_dir) if out_dir is not None else report_url(settings), REPORT_NAME)
    with tempfile.TemporaryDirectory(prefix="newsetl-report-") as tmp:
        local = Path(tmp) / REPORT_NAME
        local.write_text(page, encoding="utf-8")
        storage.replace_with(local, target)  # a reader never sees half a report
    return target


def render(data: ReportData, *, warehouse: str, generated_at: datetime) -> str:
    """The report page as one HTML string."""
    from plotly.offline import get_plotlyjs

    sections = [
        _section(
            "Articles per source per day",
            _period(data.articles_since, data.articles_until, "publication day"),
            _articles_chart(data),
        ),
        _section(
            "Crawl health per source",
            _period(data.runs_since, data.runs_until, "the day each run started")
            + " Discovered URLs, and of them loaded (inserted, updated or unchanged), failed and"
            " quarantined.",
            _health_chart(data),
        ),
        _section(
            "Freshness",
            "Hours since each source's last new article, now; red bars are stale (longer than the source's "
            "max_quiet_hours, the grey mark).",
            _freshness_chart(data),
        ),
        _section(
            "Largest stories across sources",
            _period(data.articles_since, data.articles_until, "publication day")
            + " Stories carried by the most sources, then by the most copies.",
            _stories_table(data),
        ),
        _section(
            "Top tags",
            _period(data.articles_since, data.articles_until, "publication day"),
            _tags_chart(data),
        ),
    ]
    title = "newsetl report"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<script>{get_plotlyjs()}</script>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }}
header p {{ color: #555; margin: 0.2rem 0; }}
section {{ margin-top: 2.5rem; }}
.note {{ color: #555; }}
.empty {{ color: #777; font-style: italic; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid #ddd; vertical-align: top; }}
td.num {{ text-align: right; }}
</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p>Warehouse: <code>{html.escape(warehouse)}</code></p>
<p>Generated {generated_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC, over {data.days} day(s); times are UTC.</p>
</header>
{"".join(sections)}
</body>
</html>
"""


def _period(since: Any, until: Any, what: str) -> str:
    if since is None:
        return ""
    return f"{since:%Y-%m-%d} to {until:%Y-%m-%d} (by {what}, ending at the latest one in the warehouse)."


def _section(title: str, note: str, body: str) -> str:
    return (
        f'<section><h2>{html.escape(title)}</h2><p class="note">{html.escape(note)}</p>\n{body}\n</section>\n'
    )


EMPTY = '<p class="empty">No data in this period.</p>'


def _figure(fig: Any, name: str) -> str:
    fig.update_layout(margin={"l": 60, "r": 20, "t": 30, "b": 40}, template="plotly_white")
    body: str = fig.to_html(
        full_html=False, include_plotlyjs=False, div_id=f"chart-{name}", config={"displaylogo": False}
    )
    return f'<div class="chart" data-chart="{name}">{body}</div>'


def _articles_chart(data: ReportData) -> str:
    import plotly.graph_objects as go

    if not data.articles_per_day:
        return EMPTY
    fig = go.Figure()
    for source in sorted({source for _, source, _ in data.articles_per_day}):
        rows = [(day, n) for day, s, n in data.articles_per_day if s == source]
        fig.add_bar(x=[day.isoformat() for day, _ in rows], y=[n for _, n in rows], name=source)
    fig.update_layout(barmode="stack", height=380, yaxis_title="articles", xaxis_type="date")
    return _figure(fig, "articles")


def _health_chart(data: ReportData) -> str:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    if not data.crawl_health:
        return EMPTY
    metrics = ("discovered", "loaded", "failed", "quarantined")
    fig = make_subplots(rows=2, cols=2, subplot_titles=metrics, shared_xaxes=True)
    sources = sorted({row[1] for row in data.crawl_health})
    for index in range(len(metrics)):
        for number, source in enumerate(sources):
            rows = [row for row in data.crawl_health if row[1] == source]
            fig.add_trace(
                go.Scatter(
                    x=[row[0].isoformat() for row in rows],
                    y=[row[2 + index] for row in rows],
                    name=source,
                    legendgroup=source,
                    showlegend=index == 0,
                    mode="lines+markers",
                    line={"color": _colour(number)},
                ),
                row=index // 2 + 1,
                col=index % 2 + 1,
            )
    fig.update_layout(height=520)
    # Days as categories: runs come in bursts, and a date axis over one day shows hours and milliseconds.
    fig.update_xaxes(type="category")
    return _figure(fig, "health")


def _freshness_chart(data: ReportData) -> str:
    import plotly.graph_objects as go

    if not data.freshness:
        return EMPTY
    rows = data.freshness
    fig = go.Figure()
    fig.add_bar(
        y=[source for source, *_ in rows],
        x=[hours if hours is not None else 0 for _, hours, _, _ in rows],
        orientation="h",
        marker_color=["#d62728" if stale else "#2ca02c" for *_, stale in rows],
        text=[
            ("no article yet" if hours is None else f"{hours:g} h") + (" — stale" if stale else "")
            for _, hours, _, stale in rows
        ],
        textposition="auto",
        name="hours since new article",
    )
    fig.add_scatter(
        y=[source for source, *_ in rows],
        x=[limit for _, _, limit, _ in rows],
        mode="markers",
        marker={"symbol": "line-ns-open", "size": 18, "color": "#555"},
        name="max_quiet_hours",
    )
    fig.update_layout(height=max(220, 40 * len(rows) + 80), xaxis_title="hours", showlegend=False)
    return _figure(fig, "freshness")


def _tags_chart(data: ReportData) -> str:
    import plotly.graph_objects as go

    if not data.tags:
        return EMPTY
    tags = list(reversed(data.tags))  # the largest at the top
    fig = go.Figure(go.Bar(y=[t for t, _ in tags], x=[n for _, n in tags], orientation="h"))
    fig.update_layout(height=max(220, 24 * len(tags) + 80), xaxis_title="articles")
    return _figure(fig, "tags")


def _stories_table(data: ReportData) -> str:
    if not data.stories:
        return EMPTY
    rows = "".join(
        "<tr>"
        f"<td>{html.escape(story.headline)}</td>"
        f"<td>{html.escape(', '.join(story.sources))}</td>"
        f'<td class="num">{story.articles}</td>'
        f"<td>{_when(story.first_published_at)}</td>"
        "</tr>"
        for story in data.stories
    )
    return (
        '<table id="stories"><thead><tr><th>headline (earliest copy)</th><th>sources</th>'
        f"<th>copies</th><th>first published</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _when(moment: datetime | None) -> str:
    return "" if moment is None else f"{moment.astimezone(UTC):%Y-%m-%d %H:%M}"


def _colour(number: int) -> str:
    from plotly.colors import qualitative

    palette: list[str] = qualitative.Plotly
    return palette[number % len(palette)]


def summary_line(written: str) -> str:
    """The line the command and the DAG task print."""
    return f"report written to {written}; open it in a browser"

"""The local folder of one crawl run: its WARC files, ``outcomes.jsonl`` and ``stats.json``.

``run_crawl`` passes it explicitly (``-s NEWSETL_RUN_DIR=…``). A hand-run ``scrapy crawl`` resumed with
``JOBDIR`` keeps its files in ``{JOBDIR}/run`` so the resumed process adds to the same run; otherwise a new
``{data root}/raw/{spider}/manual-{UTC time}`` folder is used (``data/`` when the data root is remote).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from scrapy.settings import BaseSettings

from transforms.storage import is_local, local_path


def resolve_run_dir(settings: BaseSettings, spider_name: str, explicit: str | None = None) -> Path:
    if explicit:
        return Path(explicit)
    if settings.get("NEWSETL_RUN_DIR"):
        return Path(settings["NEWSETL_RUN_DIR"])
    if settings.get("JOBDIR"):
        return Path(settings["JOBDIR"]) / "run"
    data_root = settings.get("NEWSETL_DATA_ROOT") or "data"
    root = local_path(data_root) if is_local(data_root) else Path("data")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return root / "raw" / spider_name / f"manual-{stamp}"

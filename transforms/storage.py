"""Where files between steps live: ``{data_root}/raw/{source}/{run_id}/`` and ``…/staged/…``.

The data root is a local folder or any fsspec URL (``s3://bucket/prefix``), so Airflow workers on several
machines can share it. Steps work on local files and use :func:`upload_dir` / :func:`download` at the
edges; tasks pass these URLs to each other, never payloads.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path

import fsspec

_RUN_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_run_id(run_id: str) -> str:
    """A run id usable as one path segment (Airflow run ids contain ':' and '+')."""
    cleaned = _RUN_ID_UNSAFE.sub("_", run_id).strip("._")
    if not cleaned:
        raise ValueError(f"run id {run_id!r} has no usable characters")
    return cleaned


def join(root: str, *parts: str) -> str:
    return "/".join([root.rstrip("/"), *(p.strip("/") for p in parts)])


def raw_dir(data_root: str, source: str, run_id: str) -> str:
    return join(data_root, "raw", source, safe_run_id(run_id))


def staged_dir(data_root: str, source: str, run_id: str) -> str:
    return join(data_root, "staged", source, safe_run_id(run_id))


def is_local(url: str) -> bool:
    return "://" not in url or url.startswith("file://")


def local_path(url: str) -> Path:
    if not is_local(url):
        raise ValueError(f"{url!r} is not a local path")
    return Path(url.removeprefix("file://"))


def upload_dir(local_dir: Path, url: str) -> None:
    """Copy every file below ``local_dir`` to ``url`` (a no-op when they are the same folder)."""
    if is_local(url) and local_path(url).resolve() == local_dir.resolve():
        return
    fs, root = fsspec.core.url_to_fs(url)
    for path in sorted(p for p in local_dir.rglob("*") if p.is_file()):
        target = join(root, path.relative_to(local_dir).as_posix())
        fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
        fs.put_file(str(path), target)


def replace_with(local: Path, url: str) -> None:
    """Put the file or folder ``local`` at ``url``, replacing what was there.

    Locally the new copy is moved next to the target first, so the swap is a rename (a folder is missing
    only between two renames); on an object store fsspec can only remove the old copy and upload the new.
    """
    if is_local(url):
        target = local_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        tag = uuid.uuid4().hex[:8]
        staging = target.parent / f".{target.name}.new-{tag}"
        shutil.move(local, staging)
        if target.is_dir():
            old = target.parent / f".{target.name}.old-{tag}"
            target.rename(old)
            staging.rename(target)
            shutil.rmtree(old)
        else:
            os.replace(staging, target)
        return
    fs, path = fsspec.core.url_to_fs(url)
    if fs.exists(path):
        fs.rm(path, recursive=True)
    if local.is_dir():
        upload_dir(local, url)
    else:
        fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        fs.put_file(str(local), path)


def download(url: str, local: Path) -> Path:
    """Fetch one file to ``local`` (or return its path when it is already local)."""
    if is_local(url):
        return local_path(url)
    fs, path = fsspec.core.url_to_fs(url)
    local.parent.mkdir(parents=True, exist_ok=True)
    fs.get_file(path, str(local))
    return local


def list_files(url: str, pattern: str = "*") -> list[str]:
    """URLs of the files directly inside ``url`` matching the glob ``pattern``, sorted."""
    fs, root = fsspec.core.url_to_fs(url)
    found = sorted(fs.glob(join(root, pattern)))
    if is_local(url):
        return found
    protocol = url.split("://", 1)[0]
    return [f"{protocol}://{p}" for p in found]

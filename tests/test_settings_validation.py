"""Every ``NEWSETL_*`` value is checked when the settings object is built: the values of issue 14's fault 6
(0 concurrent requests crawled nothing forever; a NaN or negative timeout or size cap gave a green empty run;
a misspelt boolean, ``1e3`` or a missing sources file gave a traceback) are refused with one line naming the
variable and what was expected, by the CLI (exit 2) and by a hand-run ``scrapy crawl`` alike.

The number rules are checked over the dataclass fields, so a field added later is covered without a test
of its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import fields, replace
from pathlib import Path
from typing import get_type_hints

import pytest

import transforms.settings
from transforms.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TYPES = get_type_hints(Settings)
# The number fields that may be 0 (the fallback only lets this file run against code from before the rule).
ZERO_ALLOWED = getattr(
    transforms.settings, "ZERO_ALLOWED", {"download_delay", "retry_times", "retry_backoff"}
)
NUMBER_FIELDS = [f.name for f in fields(Settings) if TYPES[f.name] in (int, float)]

# The values issue 14 found, and the start of what the message must say.
FAULT_6 = [
    ("NEWSETL_CONCURRENT_REQUESTS_PER_DOMAIN", "0", "expected a whole number of at least 1"),
    ("NEWSETL_DOWNLOAD_TIMEOUT", "nan", "expected a finite number above 0"),
    ("NEWSETL_DOWNLOAD_TIMEOUT", "-1", "expected a finite number above 0"),
    ("NEWSETL_MAX_RESPONSE_BYTES", "-5", "expected a whole number of at least 1"),
    ("NEWSETL_AUTOTHROTTLE", "maybe", "expected a boolean"),
    ("NEWSETL_CONCURRENT_REQUESTS_PER_DOMAIN", "1e3", "expected a whole number"),
    ("NEWSETL_SOURCES_FILE", "/nonexistent.yaml", "expected an existing file"),
]


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSETL_")}
    return {**env, **values}


@pytest.mark.parametrize(("name", "value", "expected"), FAULT_6)
def test_fault_6_values_are_refused_naming_the_variable(name: str, value: str, expected: str) -> None:
    with pytest.raises(ValueError, match=f"^{name}=.*: {expected}") as refused:
        Settings.from_env({name: value})
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(("name", "value", "expected"), FAULT_6)
def test_the_cli_exits_2_with_one_line(name: str, value: str, expected: str) -> None:
    done = subprocess.run(
        [str(BIN / "newsetl"), "sources"],
        cwd=ROOT,
        env=_env(**{name: value}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.splitlines() == [done.stderr.strip()], done.stderr
    assert done.stderr.startswith(f"newsetl: {name}=") and expected in done.stderr


@pytest.mark.parametrize(("name", "value", "expected"), FAULT_6[::2])
def test_scrapy_crawl_by_hand_refuses_with_one_line(
    tmp_path: Path, name: str, value: str, expected: str
) -> None:
    done = subprocess.run(
        [
            str(BIN / "scrapy"),
            "crawl",
            "pravda",
            "-a",
            "mirror=http://127.0.0.1:9",
            "-a",
            f"run_dir={tmp_path}",
        ],
        cwd=ROOT,
        env=_env(**{name: value}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() == done.stderr.strip().splitlines()[-1]
    assert done.stderr.startswith(f"scrapy: {name}=") and expected in done.stderr


@pytest.mark.parametrize("name", NUMBER_FIELDS)
@pytest.mark.parametrize("value", ["-1", "nan", "inf", "-inf", "0"])
def test_every_number_field_is_range_checked(name: str, value: str) -> None:
    variable = f"NEWSETL_{name.upper()}"
    if value == "0" and name in ZERO_ALLOWED:
        assert getattr(Settings.from_env({variable: value}), name) == 0
        return
    if TYPES[name] is int and value != "0" and value != "-1":
        match = "expected a whole number"  # not a whole number at all
    else:
        match = "expected a (whole|finite) number"
    with pytest.raises(ValueError, match=f"^{variable}=.*: {match}"):
        Settings.from_env({variable: value})


def test_every_field_has_a_rule() -> None:
    """A field of a type the checks do not know would go unchecked: give it a rule in settings.py."""
    known = {str, int, float, bool, tuple[str, ...]}
    assert {name: kind for name, kind in TYPES.items() if kind not in known} == {}


def test_every_number_field_is_read_from_its_variable() -> None:
    """A field added to the class but not to from_env would silently keep its default."""
    for name in NUMBER_FIELDS:
        with pytest.raises(ValueError, match=f"^NEWSETL_{name.upper()}="):
            Settings.from_env({f"NEWSETL_{name.upper()}": "-1"})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NEWSETL_MIRROR", "ftp://127.0.0.1:21"),
        ("NEWSETL_MIRROR", "http://user@127.0.0.1:8765"),
        ("NEWSETL_MIRROR", "http://127.0.0.1:8765/path"),
        ("NEWSETL_MIRROR", "http://127.0.0.1:99999"),
        ("NEWSETL_MIRROR", "http://[::1"),
        ("NEWSETL_USER_AGENT", "newsetl\r\nX-Injected: 1"),
        ("NEWSETL_OBEY_ROBOTS", "2"),
        ("NEWSETL_RETRY_TIMES", "3.5"),
    ],
)
def test_other_malformed_values_are_refused(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=f"^{name}="):
        Settings.from_env({name: value})


def test_an_empty_variable_means_the_default() -> None:
    names = [f"NEWSETL_{f.name.upper()}" for f in fields(Settings)]
    assert Settings.from_env(dict.fromkeys(names, "")) == Settings()
    assert Settings.from_env({"NEWSETL_OBEY_ROBOTS": " "}).obey_robots is True


def test_the_defaults_and_good_values_pass(tmp_path: Path) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text("sources: []\n", encoding="utf-8")
    settings = Settings.from_env(
        {
            "NEWSETL_DOWNLOAD_DELAY": "0",
            "NEWSETL_AUTOTHROTTLE": "off",
            "NEWSETL_RETRY_TIMES": "0",
            "NEWSETL_DOWNLOAD_TIMEOUT": "0.5",
            "NEWSETL_CRAWL_TIMEOUT": "3600",
            "NEWSETL_MIRROR": "http://127.0.0.1:8765/",
            "NEWSETL_SOURCES_FILE": str(sources),
        }
    )
    assert settings.mirror == "http://127.0.0.1:8765"
    assert settings.crawl_timeout == 3600.0
    assert Settings().crawl_timeout >= 12 * 3600  # generous: a backfill of months fits


def test_replace_and_direct_construction_are_checked_too() -> None:
    with pytest.raises(ValueError, match="^NEWSETL_CONCURRENT_REQUESTS_PER_DOMAIN=0: "):
        replace(Settings(), concurrent_requests_per_domain=0)
    with pytest.raises(ValueError, match="^NEWSETL_CRAWL_TIMEOUT=nan: "):
        Settings(crawl_timeout=float("nan"))
    with pytest.raises(ValueError, match="^NEWSETL_AUTOTHROTTLE=1: expected a boolean"):
        Settings(autothrottle=1)  # type: ignore[arg-type]

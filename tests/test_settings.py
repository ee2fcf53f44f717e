from __future__ import annotations

import pytest

from transforms.settings import Settings


def test_defaults_put_the_sqlite_warehouse_under_the_data_root(tmp_path) -> None:
    settings = Settings.from_env({"NEWSETL_DATA_ROOT": str(tmp_path)})
    assert settings.resolved_warehouse_url() == f"sqlite:///{tmp_path / 'warehouse.sqlite'}"


def test_bad_value_names_the_variable() -> None:
    with pytest.raises(ValueError, match="NEWSETL_CONCURRENT_REQUESTS_PER_DOMAIN='many'"):
        Settings.from_env({"NEWSETL_CONCURRENT_REQUESTS_PER_DOMAIN": "many"})


def test_every_setting_is_documented_once() -> None:
    """docs/configuration.md has one table row per field of the settings object, and none for a variable
    that does not exist, so the page cannot drift from the code."""
    import dataclasses
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "configuration.md").read_text(encoding="utf-8")
    documented = re.findall(r"^\| `(NEWSETL_[A-Z_]+)` \|", page, re.MULTILINE)
    fields = [f"NEWSETL_{field.name.upper()}" for field in dataclasses.fields(Settings)]
    assert sorted(documented) == sorted(fields)

from __future__ import annotations

import pytest

from transforms.settings import Settings


def test_defaults_put_the_sqlite_warehouse_under_the_data_root(tmp_path) -> None:
    settings = Settings.from_env({"NEWSETL_DATA_ROOT": str(tmp_path)})
    assert settings.resolved_warehouse_url() == f"sqlite:///{tmp_path / 'warehouse.sqlite'}"


def test_bad_value_names_the_variable() -> None:
    with pytest.raises(ValueError, match="NEWSETL_CONCURRENT_REQUESTS_PER_DOMAIN='many'"):
        Settings.from_env({"NEWSETL_CONCURRENT_REQUESTS_PER_DOMAIN": "many"})

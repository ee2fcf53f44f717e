from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from wh_dump import dump
from wh_factory import make_record, seed_text

from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
from warehouse.engine import make_engine
from warehouse.seeds import SeedImportError, export_seeds, import_seeds

SOURCES = load_sources(DEFAULT_SOURCES_FILE)

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
REFERENCE_URL = "https://www.pravda.com.ua/eng/news/2023/09/30/7422079/"


def _seed_dir(tmp_path: Path) -> Path:
    """The project's seeds plus documents of the other editions (one without an edition in its URL)."""
    folder = tmp_path / "in"
    folder.mkdir()
    for seed in SEEDS.glob("*.txt"):
        (folder / seed.name).write_bytes(seed.read_bytes())
    ukr = make_record(
        5,
        edition="ukr",
        headline="Сили оборони знищили 30 дронів над Києвом",
        paragraphs=("Про це повідомили в Повітряних силах у суботу вранці.", "Деталі: атака тривала вночі."),
    )
    rus = make_record(
        6,
        edition="rus",
        headline="Силы обороны уничтожили 30 дронов над Киевом",
        paragraphs=("Об этом сообщили в Воздушных силах в субботу утром.",),
        published_at=datetime(2023, 10, 2, 9, tzinfo=UTC),
    )
    for record in (ukr, rus):
        (folder / f"{record.edition}.txt").write_bytes(seed_text(record).encode("utf-8"))
    return folder


def test_import_then_export_gives_back_the_same_documents(warehouse_url: str, tmp_path: Path) -> None:
    folder = _seed_dir(tmp_path)
    result = import_seeds(warehouse_url, [folder], sources=SOURCES)
    assert result.files == 3
    [counts] = result.runs.values()
    assert counts["inserted"] == 3 and counts["quarantined"] == 0

    engine = make_engine(warehouse_url)
    with engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT url, edition, language, published_day, collected_on "
                "FROM v_latest_articles ORDER BY url"
            )
        ).all()
    engine.dispose()
    by_url = {row[0]: row[1:] for row in stored}
    assert [by_url[REFERENCE_URL][0], by_url[REFERENCE_URL][1]] == ["eng", "en"]
    assert str(by_url[REFERENCE_URL][2]) == "2023-09-30"
    assert str(by_url[REFERENCE_URL][3]) == "2024-11-25"
    assert sorted((e, lang) for e, lang, *_ in by_url.values()) == [
        ("eng", "en"),
        ("rus", "ru"),
        ("ukr", "uk"),
    ]

    out = tmp_path / "out"
    written = export_seeds(warehouse_url, out)
    originals = sorted(p.read_bytes() for p in folder.glob("*.txt"))
    assert sorted(p.read_bytes() for p in written) == originals
    for path in written:
        url = path.read_bytes().decode("utf-8").rsplit("\n", 1)[-1]
        assert path.name[4:] == hashlib.sha256(url.encode()).hexdigest()[:16] + ".txt"
    assert [p.name[:4] for p in written] == ["000_", "001_", "002_"]
    assert written[0].read_bytes() == (SEEDS / "000_fca3a0f034b59467.txt").read_bytes()


def test_importing_the_same_files_again_changes_nothing(
    warehouse_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    folder = _seed_dir(tmp_path)
    first = import_seeds(warehouse_url, [folder], sources=SOURCES)
    before = dump(warehouse_url, request)
    assert import_seeds(warehouse_url, sorted(folder.glob("*.txt")), sources=SOURCES).runs == first.runs
    assert dump(warehouse_url, request) == before


def test_export_filters_by_source_and_publication_date(warehouse_url: str, tmp_path: Path) -> None:
    import_seeds(warehouse_url, [_seed_dir(tmp_path)], sources=SOURCES)
    assert len(export_seeds(warehouse_url, tmp_path / "a", since=date(2023, 10, 1))) == 1
    assert len(export_seeds(warehouse_url, tmp_path / "b", until=date(2023, 9, 30))) == 2
    assert export_seeds(warehouse_url, tmp_path / "c", source="elsewhere") == []


def test_a_malformed_file_stops_the_import_and_is_named(tmp_path: Path) -> None:
    folder = _seed_dir(tmp_path)
    (folder / "broken.txt").write_text("• 13/45/2024\n\nHeadline", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    with pytest.raises(SeedImportError) as info:
        import_seeds(url, [folder], sources=SOURCES)
    assert len(info.value.problems) == 1 and info.value.problems[0].startswith(f"{folder / 'broken.txt'}:1: ")


def test_cli_import_and_export(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    imported = _cli("seed", "import", str(SEEDS), "--url", url)
    assert imported.returncode == 0, imported.stderr
    assert "inserted 1" in imported.stdout
    exported = _cli("seed", "export", str(tmp_path / "out"), "--url", url, "--source", "pravda")
    assert exported.returncode == 0 and "1 seed file(s) written" in exported.stdout
    [path] = (tmp_path / "out").glob("*.txt")
    assert path.read_bytes() == (SEEDS / "000_fca3a0f034b59467.txt").read_bytes()
    bad = _cli("seed", "export", str(tmp_path / "x"), "--url", url, "--since", "yesterday")
    assert bad.returncode == 2 and "'yesterday' is not a date" in bad.stderr


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newsetl", *args], capture_output=True, text=True, timeout=120, cwd=ROOT
    )

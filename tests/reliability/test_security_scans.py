"""Security scans over the repository's tracked files: SQL gets values only as bound parameters, no secret is
committed, and docker-compose takes every credential from the environment."""

from __future__ import annotations

import ast
import re
import subprocess
from fnmatch import fnmatch
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SQL_CALLS = frozenset({"execute", "exec_driver_sql", "executemany", "executescript", "text"})

# Expressions that may be formatted into SQL, per file (a glob): identifiers and literals that SQL cannot
# take as bound parameters (DDL, utility statements), each quoted or fixed by the code. Anything else
# formatted into a statement fails the scan; add an entry only after checking that the value cannot come
# from outside.
SQL_INTERPOLATION_ALLOWED: dict[str, frozenset[str]] = {
    # role and database names (the analyst's, the tables' owners' from pg_class) quoted by the dialect's
    # identifier preparer; the password by psycopg's Literal; the module's own catalog query constants.
    "warehouse/roles.py": frozenset(
        {"role", "literal", "database", "owner", "_WRITERS", "_WRITING_FUNCTIONS"}
    ),
    # the loader's own staging table names, its CASE clauses built from the module's rule constants, and
    # its column lists, built from the article schema's column names (transforms/schema.py).
    "warehouse/load.py": frozenset(
        {
            "table.name",
            "' '.join((f'WHEN {condition} THEN {reason}' for condition, reason in _CHECKS))",
            "_ARTICLE_COLUMNS",
            "_VERSION_COLUMNS",
            "_BATCH_VERSION_COLUMNS",
            "_CHANGED_COLUMNS",
            # the run row's figure columns, from the module's constant tuple _RUN_FIGURES
            "' OR '.join((f'{name} <> :{name}' for name in _RUN_FIGURES))",
            "', '.join((f'{name} = :{name}' for name in _RUN_FIGURES))",
        }
    ),
    # view and trigger names and view bodies that each migration defines itself.
    # 0004's view bodies: its own query constants with its own per-dialect macros filled in.
    "warehouse/migrations/versions/*.py": frozenset(
        {
            "name",
            "query",
            "action",
            "_sql(_CRAWL_HEALTH, dialect)",
            "_sql(query, dialect)",
            "_sql(_OLD_CRAWL_HEALTH, dialect)",
            # 0006's index names, tables, column lists and predicates: its own _INDEXES constant.
            "table",
            "indexed",
            "f' WHERE {where}' if where else ''",
            "f'CREATE INDEX {name} ON {table} ({indexed})'",
        }
    ),
    # the benchmark's own throwaway warehouse: index and trigger names read back from its catalog
    # (sqlite_master, pg_indexes) to drop them before the bulk insert.
    "bench/million_warehouse.py": frozenset({"kind.upper()", "name"}),
    # a test database name made from a random hex string, as in tests/conftest.py.
    "tests/celery/conftest.py": frozenset({"name"}),
    # the test's own constant queries (PLANS), explained to check they read the query indexes.
    "tests/warehouse/test_query_scale.py": frozenset({"query"}),
    # the module's own role and database name constants (DDL takes no parameters), and the writer's
    # generated password quoted by psycopg's Literal.
    "newsetl/local_postgres.py": frozenset({"WRITER", "DATABASE", "literal"}),
    # a test database name made from a random hex string.
    "tests/conftest.py": frozenset({"name"}),
    # DuckDB's own reader functions (read_csv, read_json), from a literal tuple of the test.
    "tests/test_typed_export.py": frozenset({"reader_sql"}),
    # the warehouse's table names, from the summary the test checks.
    "tests/warehouse/test_summary.py": frozenset({"table"}),
    # the analyst view names, constants of the warehouse package.
    "tests/warehouse/test_roles.py": frozenset({"view"}),
    # role and database names made from random hex strings.
    "tests/warehouse/test_analyst_attacks.py": frozenset({"role", "database", "analyst", "wh.loader"}),
}


def tracked(*patterns: str) -> list[str]:
    # safe.directory: CI runs as root over a checkout that another user may own, which git refuses by default.
    command = ["git", "-c", f"safe.directory={ROOT}", "ls-files", *patterns]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return [line for line in done.stdout.splitlines() if (ROOT / line).is_file()]


def _formatted(node: ast.expr) -> list[str] | None:
    """The expressions formatted into a string expression, or None when it is not a formatted string."""
    if isinstance(node, ast.JoinedStr):
        values = [ast.unparse(v.value) for v in node.values if isinstance(v, ast.FormattedValue)]
        return values or None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant):
        return [ast.unparse(node.right)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        parts = [p for p in (node.left, node.right) if not isinstance(p, ast.Constant)]
        inner = [_formatted(p) for p in parts]
        return [v for sub in inner for v in (sub or [ast.unparse(p) for p in parts])] or None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return [ast.unparse(a) for a in [*node.args, *(k.value for k in node.keywords)]]
    return None


def sql_interpolations(source: str) -> list[tuple[int, str]]:
    """``(line, expression)`` for every value formatted into a string that reaches an SQL call, directly or
    through a variable assigned (or looped over) in the same scope."""
    tree = ast.parse(source)
    bound: dict[str, list[str]] = {}  # variable -> expressions formatted into the strings it may hold
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if (values := _formatted(node.value)) is not None:
                bound.setdefault(node.targets[0].id, []).extend(values)
        if isinstance(node, ast.For) and isinstance(node.target, ast.Name):
            if isinstance(node.iter, ast.Tuple | ast.List):
                for element in node.iter.elts:
                    if (values := _formatted(element)) is not None:
                        bound.setdefault(node.target.id, []).extend(values)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name not in SQL_CALLS:
            continue
        argument = node.args[0]
        values = _formatted(argument)
        if values is None and isinstance(argument, ast.Name):
            values = bound.get(argument.id)
        found += [(node.lineno, value) for value in values or []]
    return sorted(found)


def test_the_scan_finds_values_formatted_into_sql() -> None:
    planted = (
        "def f(conn, url, n):\n"
        "    conn.execute(text(f\"SELECT * FROM articles WHERE url = '{url}'\"))\n"
        "    conn.execute('DELETE FROM t WHERE id = %s' % n)\n"
        "    sql = 'SELECT {}'.format(n)\n"
        "    conn.exec_driver_sql(sql)\n"
        "    for statement in (f'DROP TABLE {n}',):\n"
        "        conn.execute(statement)\n"
        "    conn.execute(text('SELECT 1 WHERE a = :a'), {'a': url})\n"
    )
    assert sql_interpolations(planted) == [(2, "url"), (3, "n"), (5, "n"), (7, "n")]


def test_sql_takes_values_only_as_bound_parameters() -> None:
    offending = []
    for path in tracked("*.py"):
        allowed = frozenset().union(
            *(names for pattern, names in SQL_INTERPOLATION_ALLOWED.items() if fnmatch(path, pattern))
        )
        source = (ROOT / path).read_text(encoding="utf-8")
        offending += [
            f"{path}:{line}: {expr}" for line, expr in sql_interpolations(source) if expr not in allowed
        ]
    assert offending == [], "values formatted into SQL (bind them as parameters):\n" + "\n".join(offending)


# Credentials in their usual committed shapes. Placeholders (${VAR}, <...>, "changeme", empty) do not match.
SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----"),
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "AWS secret key": re.compile(r"aws_secret_access_key\s*[=:]\s*['\"]?[A-Za-z0-9/+]{40}\b", re.IGNORECASE),
    "GitHub token": re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{60,}"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "API key": re.compile(r"\bsk-[A-Za-z0-9]{32,}"),
    "password in a URL": re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:(?!\$\{|\*|<|\{)[^@\s/'\"]{3,}@"),
    "password assignment": re.compile(
        r"(?:password|passwd|secret|api_key|token)[\"']?\s*[:=]\s*[\"'](?!\$\{|<|changeme|secret|\*)[^\"'\s]{8,}[\"']",
        re.IGNORECASE,
    ),
}
# (path, kind) pairs checked by hand and found harmless: a throwaway credential that a test needs.
SECRET_ALLOWED: set[tuple[str, str]] = {
    # "p@ss/word" for an Airflow connection, to test that the warehouse URL percent-encodes it.
    ("tests/airflow/test_ingest_dag.py", "password assignment"),
    ("tests/airflow/test_ingest_dag.py", "password in a URL"),
    # the attack URLs of the fault matrix ("http://127.0.0.2:18008" + a backslash + "@127.0.0.1:18007/"):
    # a port and a host, read as user and password by the pattern.
    ("docs/reliability.md", "password in a URL"),
    # the same attack URLs served by the escape tests, and the fake /etc/passwd line (a marker, no
    # credential) they plant in a local file to prove it is never read.
    ("tests/reliability/test_escapes.py", "password in a URL"),
    ("tests/reliability/test_escapes.py", "password assignment"),
    # the throwaway password of a role the summary test creates in its own throwaway cluster, to check
    # that the summary never prints it.
    ("tests/warehouse/test_summary.py", "password assignment"),
}


def secrets_in(text: str) -> list[str]:
    return [kind for kind, pattern in SECRET_PATTERNS.items() if pattern.search(text)]


def test_the_secret_scan_finds_planted_secrets() -> None:
    fake_key = "AKIA" + "ABCDEFGHIJKLMNOP"  # built at run time, so this file itself stays clean
    assert secrets_in(f"aws_access_key_id = {fake_key}") == ["AWS access key id"]
    assert secrets_in("url = 'postgresql://app:" + "hunter22@db/prod'") == ["password in a URL"]
    assert secrets_in('password = "' + 'Tr0ub4dor&3xyz"') == ["password assignment"]
    assert secrets_in("-----BEGIN " + "RSA PRIVATE KEY-----") == ["private key"]
    assert secrets_in("postgresql://airflow:${AIRFLOW_DB_PASSWORD:?set it}@airflow-db/airflow") == []
    assert secrets_in("postgresql+psycopg://postgres@127.0.0.1:5432/newsetl") == []


def test_the_repository_holds_no_secrets() -> None:
    found = []
    for path in tracked():
        data = (ROOT / path).read_bytes()
        if b"\0" in data[:8192]:  # binary (gzip fixtures, WARCs): not where a credential is written
            continue
        for kind in secrets_in(data.decode("utf-8", errors="replace")):
            if (path, kind) not in SECRET_ALLOWED:
                found.append(f"{path}: {kind}")
    assert found == [], "possible secrets in tracked files:\n" + "\n".join(found)


CREDENTIAL_KEY = re.compile(r"PASSWORD|SECRET|TOKEN|API_KEY|SQL_ALCHEMY_CONN|RESULT_BACKEND|_URL$")


def test_docker_compose_takes_credentials_from_the_environment() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    blocks = [compose.get("x-airflow-common", {}).get("environment", {})]
    blocks += [service.get("environment", {}) for service in compose["services"].values()]
    checked = 0
    for environment in blocks:
        items = (
            environment.items() if isinstance(environment, dict) else (e.split("=", 1) for e in environment)
        )
        for key, value in items:
            value = str(value)
            if not CREDENTIAL_KEY.search(key) or value.startswith("/"):  # a path to a file, not a secret
                continue
            if "://" in value and "@" not in value:
                continue  # a URL without credentials
            checked += 1
            assert "${" in value, f"docker-compose.yml: {key} holds a literal credential: {value!r}"
            assert not secrets_in(value), f"docker-compose.yml: {key} looks like a committed secret"
    assert checked >= 3  # the Airflow database, the warehouse and the API's signing secret


def test_every_test_the_fault_matrix_names_exists() -> None:
    """docs/reliability.md names the test that proves each row (with its path, or by its file's name after the
    first mention); a renamed or deleted test fails here."""
    doc = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    files = {path.name: path for path in (ROOT / "tests").rglob("test_*.py")}
    named = re.findall(r"`(?:tests/[\w/]+/)?(test_\w+\.py)::(test_\w+)`", doc)
    assert len(named) >= 15
    for file_name, name in named:
        assert file_name in files, f"docs/reliability.md names a test file that does not exist: {file_name}"
        source = files[file_name].read_text(encoding="utf-8")
        assert re.search(rf"^def {name}\(", source, re.MULTILINE), f"no test {file_name}::{name}"

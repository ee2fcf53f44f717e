"""Read-only analyst roles on a PostgreSQL warehouse.

The fence is privileges. PostgreSQL lets every role lift its own read-only default (``SET
default_transaction_read_only = off``, ``BEGIN READ WRITE``, even ``ALTER ROLE CURRENT_USER SET …``), so the
read-only sessions are only a second fence; what keeps the role from writing is that it holds no privilege a
write needs. Besides table privileges, PostgreSQL gives every role (through PUBLIC) two ways to write
without any: TEMP on the database (temporary tables, functions in ``pg_temp``) and the large-object
functions (``lo_from_bytea`` & co. keep data in ``pg_largeobject``, owned by the caller), plus
``pg_logical_emit_message`` (data written to the WAL, kept by archives). ``grant_analyst`` revokes those from
PUBLIC, gives TEMP back to the roles that write the warehouse (the loader's staging tables are temporary
tables, warehouse/staging.py), and checks the result: it fails, changing nothing, if the role could still
write anywhere.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import ArgumentError, DBAPIError

from warehouse.engine import make_engine

_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# Names PostgreSQL reserves, or reads as something else than a role in GRANT and ALTER ROLE.
_RESERVED = frozenset({"public", "none", "current_user", "current_role", "session_user"})

# The built-in functions that write without any table privilege: every large-object function (the readers
# too: there is nothing for them to read) and WAL messages. The warehouse uses none of them.
_WRITING_FUNCTIONS = r"""
    p.pronamespace = 'pg_catalog'::regnamespace
    AND (p.proname LIKE 'lo\_%' OR p.proname IN ('loread', 'lowrite', 'pg_logical_emit_message'))
"""
_REVOKE_WRITING_FUNCTIONS = f"""
DO $$
DECLARE f record;
BEGIN
    FOR f IN SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args
             FROM pg_proc p
             -- Those PUBLIC may call (others, such as lo_import, are a superuser's already).
             WHERE {_WRITING_FUNCTIONS} AND has_function_privilege('public', p.oid, 'EXECUTE') LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION pg_catalog.%I(%s) FROM PUBLIC', f.proname, f.args);
    END LOOP;
END $$
"""  # noqa: S608 (a constant of this module)
# The roles that write the warehouse (may INSERT into one of its tables): they keep TEMP, which the
# loader's staging tables need, when it is revoked from PUBLIC. Superusers need no grant.
_WRITERS = """
    SELECT DISTINCT r.rolname FROM pg_roles r CROSS JOIN pg_class c
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
      AND NOT r.rolsuper AND r.rolname NOT LIKE 'pg\\_%'
      AND has_table_privilege(r.oid, c.oid, 'INSERT')
"""
_GRANT_TEMP_TO_WRITERS = f"""
DO $$
DECLARE w name;
BEGIN
    FOR w IN {_WRITERS} LOOP
        EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO %I', current_database(), w);
    END LOOP;
END $$
"""


def check_role_name(name: str) -> None:
    """Raise ``ValueError`` unless ``name`` is a plain lower-case identifier PostgreSQL lets a role have."""
    if not _ROLE_NAME.fullmatch(name):
        raise ValueError(
            f"analyst role name {name!r}: expected lower-case letters, digits and underscores, "
            "starting with a letter or underscore, at most 63 characters"
        )
    if name in _RESERVED or name.startswith("pg_"):
        raise ValueError(f"analyst role name {name!r}: reserved by PostgreSQL (pg_…, public, none, …)")


def grant_analyst(url: str, name: str, *, password: str | None = None) -> list[str]:
    """Create (or refresh) role ``name``: it may log in and SELECT from every table and view, nothing else.

    Returns the tables and views it can read. Refuses (``ValueError``, one line) an existing role that owns
    anything, has a special attribute, belongs to another role or is the one connected, and a database
    where the role could still write after the grants (revoking from PUBLIC needs the database owner for
    TEMP, a superuser for the large-object functions). Run it again after a migration adds views (default
    privileges cover tables the warehouse's owners create later, this refreshes the rest).
    """
    check_role_name(name)
    try:
        engine = make_engine(url)
    except ArgumentError:
        raise ValueError(
            "grant-analyst: cannot parse the warehouse URL (expected postgresql://USER@HOST/DB)"
        ) from None
    try:
        if engine.dialect.name != "postgresql":
            raise ValueError(
                f"grant-analyst needs a PostgreSQL warehouse ({engine.url.render_as_string()} is "
                f"{engine.dialect.name}, which has no roles: share a read-only copy of the file instead)"
            )
        try:
            with engine.begin() as conn:
                return _grant(conn, name, password)
        except DBAPIError as exc:
            first_line = str(exc.orig or exc).strip().splitlines()[0]
            raise ValueError(f"grant-analyst {name}: {first_line}") from None
    finally:
        engine.dispose()


def _grant(conn: Connection, name: str, password: str | None) -> list[str]:
    quote = conn.dialect.identifier_preparer.quote
    role = quote(name)
    database = quote(str(conn.execute(text("SELECT current_database()")).scalar()))
    existing = _existing_role(conn, name)
    if existing is None:
        conn.exec_driver_sql(
            f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
        )
    elif reasons := _unsafe(existing):
        raise ValueError(
            f"role {name} cannot be an analyst role: it {', it '.join(reasons)}; "
            "choose a name no role has yet"
        )
    if password is not None:
        # Utility statements take no bind parameters; let the driver quote the literal.
        from psycopg import sql

        raw = conn.connection.driver_connection
        literal = sql.Literal(password).as_string(raw)
        conn.exec_driver_sql(f"ALTER ROLE {role} PASSWORD {literal}")
    for statement in (
        f"ALTER ROLE {role} LOGIN",
        f"ALTER ROLE {role} SET default_transaction_read_only = on",
        # Whatever the role was given before, it ends with exactly CONNECT, USAGE and SELECT.
        f"REVOKE ALL ON DATABASE {database} FROM {role}",
        f"REVOKE ALL ON SCHEMA public FROM {role}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}",
        f"GRANT CONNECT ON DATABASE {database} TO {role}",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}",
        # Nobody but the owner creates objects in the warehouse schema.
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        # No temporary tables or pg_temp functions for everyone; the warehouse's writers keep them.
        f"REVOKE TEMPORARY ON DATABASE {database} FROM PUBLIC",
    ):
        conn.exec_driver_sql(statement)
    # Through text(): the driver then reads their % signs as text, not as placeholders.
    conn.execute(text(_GRANT_TEMP_TO_WRITERS))
    conn.execute(text(_REVOKE_WRITING_FUNCTIONS))
    for owner in _table_owners(conn, quote):
        conn.exec_driver_sql(
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT SELECT ON TABLES TO {role}"
        )
    if gaps := _write_paths(conn, name):
        raise ValueError(
            f"grant-analyst {name}: {'; '.join(gaps)}; nothing was changed (revoking from PUBLIC needs a "
            "superuser for the large-object functions, the database owner for TEMP: run it with --url "
            "naming one)"
        )
    rows = conn.execute(
        text(
            "SELECT table_name FROM information_schema.role_table_grants "
            "WHERE grantee = :n AND privilege_type = 'SELECT' ORDER BY table_name"
        ),
        {"n": name},
    )
    return [str(r[0]) for r in rows]


def _existing_role(conn: Connection, name: str) -> Any:
    return conn.execute(
        text(
            """
            SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolbypassrls,
                   r.rolname IN (current_user, session_user) AS connected,
                   -- Owner dependencies cover every object in every database of the cluster.
                   (SELECT count(*) FROM pg_shdepend d
                    WHERE d.refclassid = 'pg_authid'::regclass AND d.refobjid = r.oid AND d.deptype = 'o')
                   + (SELECT count(*) FROM pg_database db WHERE db.datdba = r.oid) AS owned,
                   (SELECT string_agg(g.rolname, ', ' ORDER BY g.rolname) FROM pg_auth_members m
                    JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid) AS member_of
            FROM pg_roles r WHERE r.rolname = :n
            """
        ),
        {"n": name},
    ).first()


def _unsafe(role: Any) -> list[str]:
    """Why an existing role must not become an analyst role (its privileges come from what it is)."""
    attributes = {
        "SUPERUSER": role.rolsuper,
        "CREATEROLE": role.rolcreaterole,
        "CREATEDB": role.rolcreatedb,
        "REPLICATION": role.rolreplication,
        "BYPASSRLS": role.rolbypassrls,
    }
    held = [attribute for attribute, value in attributes.items() if value]
    reasons = [f"has {', '.join(held)}"] if held else []
    if role.connected:
        reasons.append("is the role this connection uses")
    if role.owned:
        reasons.append(f"owns {role.owned} objects (an owner can do anything to them)")
    if role.member_of:
        reasons.append(f"is a member of {role.member_of} (it would have their privileges)")
    return reasons


def _table_owners(conn: Connection, quote: Any) -> list[str]:
    """The owners of the warehouse's tables (and the connected role), quoted: new tables they create later
    are readable by the analyst role too. Only roles the connected role may act for."""
    rows = conn.execute(
        text(
            "SELECT pg_get_userbyid(c.relowner) FROM pg_class c "
            "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm') "
            "AND pg_has_role(c.relowner, 'MEMBER') UNION SELECT current_user ORDER BY 1"
        )
    )
    return [quote(str(r[0])) for r in rows]


def _write_paths(conn: Connection, name: str) -> list[str]:
    """What role ``name`` could still write with, after the grants (empty when it can write nothing); also
    a writer of the warehouse that lost TEMP (the load would fail)."""
    could = f"role {name} could still"
    checks = {
        f"{could} create temporary tables and pg_temp functions (TEMP on the database)": (
            "SELECT 'x' WHERE has_database_privilege(:n, current_database(), 'TEMP')"
        ),
        f"{could} create schemas (CREATE on the database)": (
            "SELECT 'x' WHERE has_database_privilege(:n, current_database(), 'CREATE')"
        ),
        f"{could} create objects in schema": (
            "SELECT nspname FROM pg_namespace WHERE has_schema_privilege(:n, oid, 'CREATE') ORDER BY 1"
        ),
        f"{could} write table": (
            "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname <> 'information_schema' "
            "AND n.nspname NOT LIKE 'pg\\_%' "
            "AND has_table_privilege(:n, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER') "
            "ORDER BY 1"
        ),
        f"{could} advance sequence": (
            "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            # CASE: the planner may test the privilege first, and it is an error on a non-sequence.
            "WHERE CASE WHEN c.relkind = 'S' THEN has_sequence_privilege(:n, c.oid, 'USAGE, UPDATE') END "
            "ORDER BY 1"
        ),
        f"{could} call": (
            f"SELECT DISTINCT p.proname FROM pg_proc p WHERE {_WRITING_FUNCTIONS} "  # noqa: S608
            "AND has_function_privilege(:n, p.oid, 'EXECUTE') ORDER BY 1"
        ),
        "these writers of the warehouse would lose TEMP, which the load needs:": (
            f"SELECT w.rolname FROM ({_WRITERS}) w "  # noqa: S608
            "WHERE NOT has_database_privilege(w.rolname, current_database(), 'TEMP') ORDER BY 1"
        ),
    }
    gaps = []
    for what, query in checks.items():
        found = [str(r[0]) for r in conn.execute(text(query), {"n": name})]
        if found == ["x"]:
            gaps.append(what)
        elif found:
            gaps.append(f"{what} {', '.join(found)}")
    return gaps

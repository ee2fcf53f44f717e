"""Read-only analyst roles on a PostgreSQL warehouse."""

from __future__ import annotations

import re

from sqlalchemy import text

from warehouse.engine import make_engine

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grant_analyst(url: str, name: str, *, password: str | None = None) -> list[str]:
    """Create (or refresh) role ``name``: it may log in and SELECT from every table and view, nothing else.

    Returns the tables and views it can read. The role's sessions are also read-only by default, a second
    fence behind the missing privileges. Run it again after a migration adds views (default privileges
    cover tables created later by the same owner, this refreshes the rest).
    """
    if not _ROLE_NAME.match(name):
        raise ValueError(
            f"analyst role name {name!r}: expected lower-case letters, digits and underscores, "
            "starting with a letter or underscore, at most 63 characters"
        )
    engine = make_engine(url)
    try:
        if engine.dialect.name != "postgresql":
            raise ValueError(
                f"grant-analyst needs a PostgreSQL warehouse ({engine.url.render_as_string()} is "
                f"{engine.dialect.name}, which has no roles: share a read-only copy of the file instead)"
            )
        with engine.begin() as conn:
            role = conn.dialect.identifier_preparer.quote(name)
            if not conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).scalar():
                conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
            if password is not None:
                # Utility statements take no bind parameters; let the driver quote the literal.
                from psycopg import sql

                raw = conn.connection.driver_connection
                literal = sql.Literal(password).as_string(raw)
                conn.exec_driver_sql(f"ALTER ROLE {role} PASSWORD {literal}")
            database = conn.dialect.identifier_preparer.quote(
                str(conn.execute(text("SELECT current_database()")).scalar())
            )
            for statement in (
                f"ALTER ROLE {role} SET default_transaction_read_only = on",
                f"GRANT CONNECT ON DATABASE {database} TO {role}",
                f"GRANT USAGE ON SCHEMA public TO {role}",
                # Nobody but the owner creates objects in the warehouse schema.
                "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
                f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}",
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {role}",
            ):
                conn.exec_driver_sql(statement)
            rows = conn.execute(
                text(
                    "SELECT table_name FROM information_schema.role_table_grants "
                    "WHERE grantee = :n AND privilege_type = 'SELECT' ORDER BY table_name"
                ),
                {"n": name},
            )
            return [str(r[0]) for r in rows]
    finally:
        engine.dispose()

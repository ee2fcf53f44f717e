"""A PostgreSQL warehouse on this machine without Docker: ``newsetl db local-postgres start|stop|status``
(``make postgres``, ``make postgres-stop``).

The cluster lives in one folder (default ``{data root}/postgres``):

- ``data/`` — the cluster itself (``initdb``), owned by the user the server runs as;
- ``passfile`` — the three roles' generated passwords as a libpq password file (mode 0600, owned by the user
  who ran ``start``): the URLs name it with ``?passfile=``, so no password is ever printed or put in a URL;
- ``port`` — the port chosen at the first start.

It listens on 127.0.0.1 only, with password (SCRAM) authentication and no Unix socket. Three roles:
``postgres`` (superuser, used only here), ``newsetl`` (owns the ``newsetl`` database: the URL to export as
``NEWSETL_WAREHOUSE_URL``) and ``analyst`` (read-only, ``warehouse.roles.grant_analyst``). ``start`` also
migrates the warehouse to the latest revision, because the analyst role is granted on its tables.

PostgreSQL refuses to run as root; run as root, the server runs as the ``postgres`` account through
``runuser``, which must then be able to reach the folder.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PORT = 5433  # 5432 is where a distribution's own PostgreSQL listens
DATABASE = "newsetl"
WRITER = "newsetl"
ANALYST = "analyst"
SUPERUSER = "postgres"
SERVER_ACCOUNT = "postgres"  # the account the server runs as when the caller is root


class LocalPostgresError(RuntimeError):
    """One line saying what went wrong and what to do."""


def find_bin_dir() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``: on PATH, else the newest /usr/lib/postgresql/*/bin."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(os.path.realpath(on_path)).parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True):
        return Path(candidate).parent
    return None


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def as_server_account(argv: list[str]) -> list[str]:
    """``argv`` run as the account that may run PostgreSQL: ``postgres`` through runuser when we are root."""
    return ["runuser", "-u", SERVER_ACCOUNT, "--", *argv] if running_as_root() else argv


@dataclass(frozen=True)
class Cluster:
    folder: Path

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def passfile(self) -> Path:
        return self.folder / "passfile"

    @property
    def log(self) -> Path:
        return self.data / "newsetl-server.log"

    @property
    def port(self) -> int:
        try:
            return int((self.folder / "port").read_text().strip())
        except (OSError, ValueError):
            raise LocalPostgresError(
                f"{self.folder} holds no cluster; run: newsetl db local-postgres start"
            ) from None

    def initialised(self) -> bool:
        return (self.data / "PG_VERSION").is_file() and self.passfile.is_file()

    def url(self, role: str = WRITER, database: str = DATABASE) -> str:
        return f"postgresql+psycopg://{role}@127.0.0.1:{self.port}/{database}?passfile={self.passfile}"


def _bin(name: str) -> str:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise LocalPostgresError(
            "PostgreSQL's server binaries (initdb, pg_ctl) are not installed: install the distribution's "
            "postgresql package, or put its bin folder on PATH"
        )
    return str(bin_dir / name)


def _run(argv: list[str], what: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(as_server_account(argv), capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        detail = " ".join((done.stderr or done.stdout).split())
        raise LocalPostgresError(f"{what} failed: {detail}")
    return done


def running(cluster: Cluster) -> bool:
    if not (cluster.data / "PG_VERSION").is_file():
        return False
    argv = as_server_account([_bin("pg_ctl"), "-D", str(cluster.data), "status"])
    return subprocess.run(argv, capture_output=True, timeout=60, check=False).returncode == 0


def _port_free(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:``port``. SO_REUSEADDR, as PostgreSQL sets it: the connections
    of a server just stopped linger in TIME_WAIT and must not count as the port being taken."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _check_reachable(folder: Path) -> None:
    """As root, the server account must be able to enter every folder above the cluster."""
    if not running_as_root():
        return
    probe = subprocess.run(
        ["runuser", "-u", SERVER_ACCOUNT, "--", "test", "-x", str(folder)], capture_output=True, check=False
    )
    if probe.returncode != 0:
        raise LocalPostgresError(
            f"the {SERVER_ACCOUNT!r} account, which runs the server when newsetl runs as root, cannot reach "
            f"{folder} (a folder above it is not open to other users): pass --dir a folder it can reach, "
            "e.g. /var/tmp/newsetl-postgres"
        )


def _initialise(cluster: Cluster, port: int) -> None:
    folder = cluster.folder
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)  # the server account enters it to reach data/; the passfile keeps its own 0600
    _check_reachable(folder)
    if cluster.data.exists() and any(cluster.data.iterdir()):
        raise LocalPostgresError(f"{cluster.data} exists and is not empty, but holds no cluster of newsetl's")
    cluster.data.mkdir(exist_ok=True)
    if running_as_root():
        shutil.chown(cluster.data, SERVER_ACCOUNT, SERVER_ACCOUNT)
    passwords = {role: secrets.token_urlsafe(24) for role in (SUPERUSER, WRITER, ANALYST)}
    # initdb reads the superuser's password from a file the server account can read; it is removed at once.
    with tempfile.NamedTemporaryFile("w", prefix="newsetl-pw-", delete=False) as pwfile:
        pwfile.write(passwords[SUPERUSER] + "\n")
    try:
        if running_as_root():
            shutil.chown(pwfile.name, SERVER_ACCOUNT, SERVER_ACCOUNT)
        _run(
            [
                _bin("initdb"),
                "-D",
                str(cluster.data),
                "-U",
                SUPERUSER,
                f"--pwfile={pwfile.name}",
                "--auth-host=scram-sha-256",
                "--auth-local=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
            ],
            "initdb",
        )
    finally:
        os.unlink(pwfile.name)
    with (cluster.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
        conf.write(
            "\n# newsetl db local-postgres: this machine only, no Unix socket, times in UTC\n"
            f"listen_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = ''\ntimezone = 'UTC'\n"
        )
    # A libpq password file, readable by its owner only (libpq ignores a file others can read).
    fd = os.open(cluster.passfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        for role, password in passwords.items():
            out.write(f"127.0.0.1:{port}:*:{role}:{password}\n")
    (folder / "port").write_text(f"{port}\n", encoding="utf-8")


def _password(cluster: Cluster, role: str) -> str:
    for line in cluster.passfile.read_text(encoding="utf-8").splitlines():
        parts = line.split(":")
        if len(parts) == 5 and parts[3] == role:
            return parts[4]
    raise LocalPostgresError(f"{cluster.passfile} has no password for {role!r}")


def _create_warehouse(cluster: Cluster) -> None:
    """The writer role and its database (if missing), the schema at the latest revision, the analyst role."""
    import psycopg
    from psycopg import sql

    from warehouse.migrate import upgrade
    from warehouse.roles import grant_analyst

    with psycopg.connect(
        host="127.0.0.1",
        port=cluster.port,
        user=SUPERUSER,
        passfile=str(cluster.passfile),
        dbname="postgres",
        autocommit=True,
    ) as conn:
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (WRITER,)).fetchone() is None:
            conn.execute(f"CREATE ROLE {WRITER} LOGIN")
        # ALTER ROLE … PASSWORD takes no bind parameter: the password goes in as a quoted literal.
        literal = sql.Literal(_password(cluster, WRITER)).as_string(conn)
        conn.execute(f"ALTER ROLE {WRITER} PASSWORD {literal}")
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone() is None:
            conn.execute(f"CREATE DATABASE {DATABASE} OWNER {WRITER}")
    upgrade(cluster.url(WRITER))
    grant_analyst(cluster.url(SUPERUSER), ANALYST, password=_password(cluster, ANALYST))


def start(folder: Path, port: int = DEFAULT_PORT) -> tuple[Cluster, str]:
    """Initialise (the first time) and start the cluster in ``folder``, and make sure the warehouse database,
    its schema and both roles exist. Returns the cluster and what was done ('started', 'already running')."""
    cluster = Cluster(folder.resolve())
    if not cluster.initialised():
        if not 1 <= port <= 65535:
            raise LocalPostgresError(f"port {port} is not a TCP port (1-65535)")
        if not _port_free(port):
            raise LocalPostgresError(f"port {port} on 127.0.0.1 is taken: pass --port another one")
        _initialise(cluster, port)
    _check_reachable(cluster.folder)
    state = "already running"
    if not running(cluster):
        if not _port_free(cluster.port):
            raise LocalPostgresError(
                f"port {cluster.port} on 127.0.0.1 (this cluster's, fixed at its first start) is taken by "
                "another program"
            )
        _run(
            [_bin("pg_ctl"), "-D", str(cluster.data), "-l", str(cluster.log), "-w", "-t", "60", "start"],
            f"starting PostgreSQL (its log: {cluster.log})",
        )
        state = "started"
    _create_warehouse(cluster)
    return cluster, state


def stop(folder: Path) -> bool:
    """Stop the cluster in ``folder`` (its data kept); False when it was not running."""
    cluster = Cluster(folder.resolve())
    if not running(cluster):
        return False
    _run([_bin("pg_ctl"), "-D", str(cluster.data), "-m", "fast", "-w", "stop"], "stopping PostgreSQL")
    return True


def status(folder: Path) -> tuple[Cluster, bool]:
    cluster = Cluster(folder.resolve())
    return cluster, running(cluster)

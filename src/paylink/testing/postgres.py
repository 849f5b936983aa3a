"""A throwaway PostgreSQL server for tests, started from the machine's own server binaries."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Any

__all__ = ["PostgresServer", "find_postgres_bin"]


def find_postgres_bin(name: str) -> str | None:
    """Path of a PostgreSQL server program (``initdb``, ``pg_ctl``), or ``None``.

    Looks on ``$PATH``, then in Debian's ``/usr/lib/postgresql/<version>/bin``.
    """
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """A private PostgreSQL server in a temporary directory, stopped and deleted on exit.

    >>> with PostgresServer() as server:                          # doctest: +SKIP
    ...     url = server.create_database()
    ...     pl = Paylink.open(url, secret="a-test-secret-of-32-characters!")

    PostgreSQL refuses to run as root; when the tests run as root (containers, CI), the server
    runs as the ``postgres`` system user instead. Durability is switched off (``fsync=off``):
    it is a test server.
    """

    def __init__(self, *, user: str | None = None) -> None:
        initdb, pg_ctl = find_postgres_bin("initdb"), find_postgres_bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) were not found")
        self._initdb, self._pg_ctl = initdb, pg_ctl
        self._run_as = user or ("postgres" if os.geteuid() == 0 else None)
        self.port = _free_port()
        self._dir: Path | None = None

    def _run(self, *args: str) -> None:
        subprocess.run(  # noqa: S603 - our own argv: the server binaries and paths
            args,
            check=True,
            capture_output=True,
            user=self._run_as,
            cwd=self._dir,
        )

    def start(self) -> PostgresServer:
        """Create the cluster and start the server on a free loopback port."""
        self._dir = Path(tempfile.mkdtemp(prefix="paylink-pg-"))
        self._dir.chmod(0o755)
        data = self._dir / "data"
        data.mkdir()
        if self._run_as:
            shutil.chown(self._dir, self._run_as)
            shutil.chown(data, self._run_as)
        self._run(
            self._initdb,
            "-D",
            str(data),
            "-U",
            "paylink",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C",
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self._dir} -F -c max_connections=60"
        )
        try:
            self._run(
                self._pg_ctl,
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(self._dir / "log"),
                "-w",
                "-t",
                "60",
                "start",
            )
        except subprocess.CalledProcessError as exc:
            log = (
                (self._dir / "log").read_text(errors="replace")
                if (self._dir / "log").exists()
                else ""
            )
            raise RuntimeError(f"PostgreSQL did not start: {exc.stderr!r}\n{log}") from exc
        return self

    @property
    def url(self) -> str:
        """URL of the ``postgres`` maintenance database."""
        return f"postgresql://paylink@127.0.0.1:{self.port}/postgres"

    def create_database(self, name: str | None = None) -> str:
        """Create a new, empty database and return its URL."""
        import psycopg

        name = name or f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://paylink@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Stop the server and delete its files."""
        if self._dir is None:
            return
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(self._pg_ctl, "-D", str(self._dir / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self._dir, ignore_errors=True)
        self._dir = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

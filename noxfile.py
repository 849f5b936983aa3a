"""Sessions: `nox -s demo`, `nox -s tests`, `nox -s lint typecheck docs`, `nox -s bench`."""

from __future__ import annotations

import os
import shutil

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["tests", "lint", "typecheck", "docs"]


@nox.session
def demo(session: nox.Session) -> None:
    """Install paylink and tell the whole story on the embedded defaults."""
    session.install("-q", ".")
    session.run("paylink", "demo", *session.posargs)


def _ensure_chromium(session: nox.Session) -> None:
    """The browser tests drive Debian's chromium (Playwright cannot download its own here)."""
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        session.error(
            "the browser tests need chromium: install it (Debian: apt-get install chromium)"
        )
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    session.run("apt-get", "update", "-qq", external=True, env=env)
    session.run("apt-get", "install", "-y", "-qq", "chromium", external=True, env=env)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the whole test suite: PostgreSQL (a throwaway server) and Chromium included."""
    _ensure_chromium(session)
    session.install("-q", "-e", ".[dev]")
    session.run(
        "pytest",
        *(session.posargs or ["-q"]),
        env={"PAYLINK_REQUIRE_POSTGRES": "1", "PAYLINK_REQUIRE_BROWSER": "1"},
    )


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("-q", "ruff")
    session.run("ruff", "check", "src", "tests", "examples", "benchmarks", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "examples", "benchmarks", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on src/."""
    session.install("-q", "-e", ".[dev]")
    session.run("mypy", "--strict", "src")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site, failing on any warning."""
    session.install("-q", "-e", ".[docs]")
    session.run(
        "mkdocs", "build", "--strict", "--site-dir", "site", env={"NO_MKDOCS_2_WARNING": "1"}
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Run the benchmarks (see benchmarks/README.md); pass a name to run one."""
    session.install("-q", "-e", ".[dev,bench]")
    session.run("python", "-m", "benchmarks", *session.posargs)

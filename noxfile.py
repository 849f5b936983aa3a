"""Sessions: `nox -s demo`, `nox -s tests`, `nox -s lint typecheck docs`, `nox -s bench`."""

from __future__ import annotations

import os
import shutil
import subprocess

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["tests", "lint", "typecheck", "docs"]


@nox.session
def demo(session: nox.Session) -> None:
    """Install paylink and tell the whole story on the embedded defaults."""
    # pdf: the e-mails carry PDF invoices; web: `paylink serve` shows the demo's pages after.
    session.install("-q", ".[pdf,web]")
    session.run("paylink", "demo", *session.posargs)


# Debian packages the tests need: Chromium for the browser tests (Playwright cannot download
# its own browser here), Pango and fonts for WeasyPrint's PDFs.
_DEBIAN_PACKAGES = ("chromium", "libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core")


def _ensure_debian_packages(session: nox.Session) -> None:
    missing = [
        name
        for name in _DEBIAN_PACKAGES
        if subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", name], capture_output=True, text=True
        ).stdout.strip()
        != "install ok installed"
    ]
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        session.error(f"the tests need these Debian packages: {' '.join(missing)}")
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    session.run("apt-get", "update", "-qq", external=True, env=env)
    session.run("apt-get", "install", "-y", "-qq", *missing, external=True, env=env)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the whole test suite: PostgreSQL (a throwaway server), Chromium and PDFs included."""
    if shutil.which("dpkg-query"):
        _ensure_debian_packages(session)
    session.install("-q", "-e", ".[dev]")
    session.run(
        "pytest",
        *(session.posargs or ["-q"]),
        env={
            "PAYLINK_REQUIRE_POSTGRES": "1",
            "PAYLINK_REQUIRE_BROWSER": "1",
            "PAYLINK_REQUIRE_EINVOICE_ARTEFACTS": "1",
            # the statement corpus: other parsers' real bank files, pip-downloaded sdists
            "PAYLINK_REQUIRE_CORPUS": "1",
        },
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

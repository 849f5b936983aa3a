"""Sessions: `nox -s demo`, `nox -s tests`, `nox -s lint typecheck docs`, `nox -s bench`,
`nox -s build wheel` (the release artefacts, and the built wheel tried in fresh environments)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile

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
# its own browser here), Pango and fonts for WeasyPrint's PDFs, npm for axe-core (the pages'
# accessibility walk installs it into its cache, see tests/web/walk.py).
_DEBIAN_PACKAGES = (
    "chromium",
    "libpango-1.0-0",
    "libpangoft2-1.0-0",
    "fonts-dejavu-core",
)


def _ensure_debian_packages(session: nox.Session) -> None:
    missing = [
        name
        for name in _DEBIAN_PACKAGES
        if subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", name], capture_output=True, text=True
        ).stdout.strip()
        != "install ok installed"
    ]
    # axe-core comes from npm: any npm will do (Node.js may bring its own, not Debian's package)
    if not shutil.which("npm"):
        missing.append("npm")
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


@nox.session
def build(session: nox.Session) -> None:
    """Build the sdist and the wheel into dist/ and check their metadata."""
    session.install("-q", "build", "twine")
    shutil.rmtree("dist", ignore_errors=True)
    session.run("python", "-m", "build", "--outdir", "dist", ".")
    session.run("twine", "check", "--strict", *glob.glob("dist/*"))


# Each extra is tried alone in a fresh environment: what it enables works, and what needs
# another extra says which one. "" is the core alone; "pdf,web" is what the README's demo uses.
_WHEEL_EXTRAS = (
    "",
    "web",
    "pdf",
    "postgres",
    "einvoice",
    "payconiq",
    "ponto",
    "notebook",
    "cli",
    "pdf,web",
)


@nox.session
def wheel(session: nox.Session) -> None:
    """Install the built wheel (not the source tree) into fresh virtual environments, one per
    extra, and run `paylink demo` and the smoke checks (.ci/smoke.py) from each."""
    wheels = glob.glob("dist/*.whl")
    if not wheels:
        session.error("no wheel in dist/: run `nox --session build` first")
    wheel_path = os.path.abspath(wheels[0])
    smoke = os.path.abspath(os.path.join(".ci", "smoke.py"))
    here = os.getcwd()
    extras = session.posargs or list(_WHEEL_EXTRAS)
    for extra in extras:
        with tempfile.TemporaryDirectory(prefix="paylink-wheel-") as tmp:
            venv = os.path.join(tmp, "venv")
            session.run("python", "-m", "venv", venv, external=True, silent=True)
            py = os.path.join(venv, "bin", "python")
            target = f"{wheel_path}[{extra}]" if extra else wheel_path
            session.log(f"fresh environment with {target!r}")
            session.run(py, "-m", "pip", "install", "-q", target, external=True)
            session.run(py, smoke, extra, external=True)
            if extra in ("", "pdf,web"):
                # the demo in an empty folder, as a new user runs it after `pip install`
                session.chdir(tmp)
                session.run(
                    os.path.join(venv, "bin", "paylink"), "demo", external=True, silent=True
                )
                session.chdir(here)


# The newer Pythons the package declares, where the machine has them (pyenv's here): the pure
# core, statements, reconciliation and e-invoices, and the service on SQLite. The browser,
# PostgreSQL and PDF suites run on 3.11 in `tests`.
_COMPAT_TESTS = (
    "tests/core",
    "tests/statements",
    "tests/reconcile",
    "tests/einvoice",
    "tests/service/test_service.py",
    "tests/test_layering.py",
    "tests/test_light_imports.py",
)


def _interpreter(version: str) -> str | None:
    """Python ``version`` from PATH, or from pyenv's versions (this image has 3.12 and 3.13
    there, not on PATH)."""
    found = shutil.which(f"python{version}")
    if found and subprocess.run([found, "--version"], capture_output=True).returncode == 0:
        return found
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates = sorted(glob.glob(os.path.join(root, "versions", f"{version}.*", "bin", "python3")))
    return candidates[-1] if candidates else None


@nox.session
def compat(session: nox.Session) -> None:
    """The core suites on Python 3.12 and 3.13, each in a fresh environment."""
    for version in session.posargs or ["3.12", "3.13"]:
        python = _interpreter(version)
        if python is None:
            session.warn(f"Python {version} is not on this machine: not tested")
            continue
        with tempfile.TemporaryDirectory(prefix=f"paylink-py{version}-") as tmp:
            venv = os.path.join(tmp, "venv")
            session.run(python, "-m", "venv", venv, external=True, silent=True)
            py = os.path.join(venv, "bin", "python")
            session.run(py, "-m", "pip", "install", "-q", "-e", ".[dev]", external=True)
            # Every test closes what it opens: 3.13's sqlite3 warns about a connection left to
            # the garbage collector, and that warning fails the run.
            warnings = ["-W", "error::ResourceWarning"]
            warnings += ["-W", "error::pytest.PytestUnraisableExceptionWarning"]
            session.run(
                py,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                *warnings,
                *_COMPAT_TESTS,
                external=True,
                env={"PAYLINK_REQUIRE_EINVOICE_ARTEFACTS": "1", "PAYLINK_REQUIRE_CORPUS": "1"},
            )

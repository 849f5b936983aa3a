"""``paylink plugin new``: each kind's skeleton passes its own tests and imports nothing private."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from paylink.cli import main
from paylink.plugins import Plugins, get_plugin_manager

KINDS = ("provider", "channel", "feed", "network")
PRIVATE = ("paylink._", "paylink.service", "paylink.store", "paylink.web", "paylink_providers")


def generate(kind: str, name: str, where: Path) -> Path:
    """Run ``paylink plugin new`` as a user does; the package folder it wrote."""
    done = CliRunner().invoke(main, ["plugin", "new", kind, name, "--dir", str(where), "--json"])
    assert done.exit_code == 0, done.output
    report = json.loads(done.output)
    assert report["files"] == [
        "README.md",
        "pyproject.toml",
        f"src/paylink_{name}/__init__.py",
        f"src/paylink_{name}/py.typed",
        "tests/test_conformance.py",
        "tests/test_http.py",
    ]
    return Path(report["directory"])


def install(site: Path, package: Path, name: str) -> None:
    """Register the package's entry point the way pip leaves it (a dist-info with the
    entry points the package's pyproject declares)."""
    pyproject = (package / "pyproject.toml").read_text()
    assert f'[project.entry-points.paylink]\n{name} = "paylink_{name}"' in pyproject
    assert 'dependencies = ["paylink-invoices>=' in pyproject
    info = site / f"{package.name}-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package.name}\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(f"[paylink]\n{name} = paylink_{name}\n")


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_the_skeleton_passes_its_kit_and_its_http_tests(kind: str, tmp_path: Path) -> None:
    name = f"acme{kind}"
    package = generate(kind, name, tmp_path)
    site = tmp_path / "site"
    install(site, package, name)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(package / "src"), str(site)])}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-p", "no:xdist"],
        cwd=package,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout
    assert "skipped" not in done.stdout, "every check of the kit runs"


def test_the_skeletons_import_nothing_private_and_register_through_the_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    for kind in KINDS:
        package = generate(kind, f"acme{kind}", tmp_path)
        install(site, package, f"acme{kind}")
        monkeypatch.syspath_prepend(str(package / "src"))
        for source in package.rglob("*.py"):
            private = sorted(m for m in imports(source) if m.startswith(PRIVATE))
            assert private == [], f"{source.relative_to(tmp_path)} imports {private}"
            assert "_pytest" not in imports(source)
    monkeypatch.syspath_prepend(str(site))
    plugins = Plugins(get_plugin_manager())
    assert plugins.broken() == []
    assert plugins.payment_providers["acmeprovider"].__module__ == "paylink_acmeprovider"
    assert "acmechannel" in plugins.channels
    assert "acmefeed" in plugins.bank_feeds
    assert "acmenetwork" in plugins.einvoice_networks
    listed = CliRunner().invoke(main, ["plugins", "--json"])
    assert listed.exit_code == 0, listed.output
    described = {p["name"]: p["distribution"] for p in json.loads(listed.output)["plugins"]}
    assert described["acmeprovider"] == "paylink-acmeprovider"


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("SumUp", "lower-case identifier"),
        ("sum-up", "lower-case identifier"),
        ("9pay", "lower-case identifier"),
        ("x", "lower-case identifier"),
        ("sum__up", "lower-case identifier"),
        ("class", "cannot name a plugin module"),
        ("paylink_sumup", "cannot name a plugin module"),
        ("stripe", "one of paylink's own plugins"),
    ],
)
def test_a_bad_name_is_refused_clearly(name: str, says: str, tmp_path: Path) -> None:
    done = CliRunner().invoke(main, ["plugin", "new", "provider", name, "--dir", str(tmp_path)])
    assert done.exit_code == 1
    assert says in done.output
    assert "name:" in done.output
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "paylink-sumup").mkdir()
    (tmp_path / "paylink-sumup" / "mine.txt").write_text("keep me")
    done = CliRunner().invoke(main, ["plugin", "new", "feed", "sumup", "--dir", str(tmp_path)])
    assert done.exit_code == 1
    assert "already exists" in done.output
    assert [p.name for p in (tmp_path / "paylink-sumup").iterdir()] == ["mine.txt"]


def test_an_unknown_kind_is_refused_by_the_command(tmp_path: Path) -> None:
    done = CliRunner().invoke(main, ["plugin", "new", "printer", "acme", "--dir", str(tmp_path)])
    assert done.exit_code == 2
    assert "'printer' is not one of" in done.output

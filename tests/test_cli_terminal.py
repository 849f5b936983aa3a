"""Tables and progress at a terminal: rich when installed, plain text otherwise; progress on
stderr only at a terminal and never with ``--json``."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from paylink import Paylink
from paylink.cli import _terminal, main

from .conftest import BASE_URL

ROOT = Path(__file__).parents[1]
CODA = ROOT / "tests" / "statements" / "data" / "coda_two_statements.cod"


def test_rich_is_not_a_core_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any(dep.startswith("rich") for dep in project["dependencies"])
    assert any(dep.startswith("rich") for dep in project["optional-dependencies"]["cli"])


def test_the_commands_print_tables_without_rich(tmp_path: Path) -> None:
    # rich made unimportable: the report is printed as aligned plain text.
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    with Paylink.open(url, base_url=BASE_URL) as pl:
        pl.organizations.create(name="Garage Dupont", country="BE", iban="BE71096123456769")
    script = (
        "import sys; sys.modules['rich'] = None\n"
        "from paylink.cli import main\n"
        f"main(['report', 'customers', '--db', {url!r}], standalone_mode=False)\n"
        "assert 'rich' not in [m for m in sys.modules if sys.modules[m] is not None]\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Garage Dupont: customers\n")


def test_a_plain_table_is_aligned(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_terminal, "has_rich", lambda: False)
    table = _terminal.Table("Open", ("invoice", "open"), frozenset({"open"}))
    table.add_row("2026-1", "12.50")
    table.add_row("2026-10", "1210.00")
    _terminal.print_table(table)
    assert capsys.readouterr().out.splitlines() == [
        "Open",
        "invoice     open",
        "-------  -------",
        "2026-1     12.50",
        "2026-10  1210.00",
    ]


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("PAYLINK_PROGRESS", raising=False)
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    with Paylink.open(url, base_url=BASE_URL) as pl:
        pl.organizations.create(name="Garage Dupont", country="BE", iban="BE71096123456769")
    return url


def _import(url: str, *extra: str) -> list[str]:
    return ["statement", "import", str(CODA), "--db", url, *extra]


def test_nothing_extra_when_not_on_a_terminal(store: str) -> None:
    result = CliRunner().invoke(main, _import(store))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.endswith("6 new transactions, 0 already imported (coda)\n")


@pytest.mark.parametrize("rich", [True, False], ids=["rich", "plain"])
def test_progress_at_a_terminal_goes_to_stderr(
    store: str, monkeypatch: pytest.MonkeyPatch, rich: bool
) -> None:
    monkeypatch.setattr(_terminal, "_stderr_is_terminal", lambda: True)
    monkeypatch.setattr(_terminal, "has_rich", lambda: rich)
    result = CliRunner().invoke(main, _import(store))
    assert result.exit_code == 0, result.output
    assert "importing coda_two_statements.cod" in result.stderr
    assert "importing" not in result.stdout


def test_never_progress_with_json_even_at_a_terminal(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_terminal, "_stderr_is_terminal", lambda: True)
    monkeypatch.setenv("PAYLINK_PROGRESS", "always")
    result = CliRunner().invoke(main, _import(store, "--json"))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert json.loads(result.stdout)["new_transactions"] == 6


def test_progress_can_be_forced_or_silenced(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYLINK_PROGRESS", "always")
    monkeypatch.setattr(_terminal, "has_rich", lambda: False)
    forced = CliRunner().invoke(main, ["feed", "sync", "--db", store])
    assert forced.exit_code == 0, forced.output
    assert "syncing feeds" in forced.stderr
    monkeypatch.setenv("PAYLINK_PROGRESS", "never")
    monkeypatch.setattr(_terminal, "_stderr_is_terminal", lambda: True)
    silenced = CliRunner().invoke(main, ["remind", "--db", store])
    assert silenced.exit_code == 0, silenced.output
    assert silenced.stderr == ""


def test_an_import_reports_the_bytes_read_and_the_bar_reaches_the_file_size(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    with Paylink.open(store, base_url=BASE_URL) as pl:
        (org,) = pl.organizations.list()
        pl.statements.import_file(org, CODA, progress=seen.append)
    assert seen and seen == sorted(seen) and seen[-1] == CODA.stat().st_size
    monkeypatch.setattr(_terminal, "_stderr_is_terminal", lambda: True)
    monkeypatch.setattr(_terminal, "has_rich", lambda: False)
    result = CliRunner().invoke(main, _import(store))
    size = CODA.stat().st_size
    assert f"importing coda_two_statements.cod: {size}/{size}" in result.stderr

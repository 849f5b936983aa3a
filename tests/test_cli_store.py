"""Every command chooses its store and organization one way: flag, environment, config file;
no command but ``paylink init`` creates a store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from paylink import Paylink
from paylink.cli import main

from .conftest import BASE_URL

# Every command that opens the store, with the arguments it needs besides --db and --org.
STORE_COMMANDS = [
    ["outbox", "list"],
    ["dispatch"],
    ["feed", "sync"],
    ["remind", "--dry-run"],
    ["report", "aging"],
    ["einvoice", "inbox"],
]


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A working directory without paylink.toml, and none of the settings in the environment."""
    for name in ("PAYLINK_DATABASE_URL", "PAYLINK_ORG", "PAYLINK_BASE_URL", "PAYLINK_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def store(tmp_path: Path) -> tuple[str, str]:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    with Paylink.open(url, base_url=BASE_URL) as pl:
        one = pl.organizations.create(name="Garage Dupont", country="BE", iban="BE71096123456769")
        pl.organizations.create(name="Bakkerij Peeters", country="BE", iban="BE62510007547061")
    return url, one.id


@pytest.mark.parametrize("command", STORE_COMMANDS, ids=lambda c: " ".join(c))
def test_without_a_store_every_command_says_how_to_choose_one(
    command: list[str], clean: Path
) -> None:
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 2, result.output
    for way in ("--db", "PAYLINK_DATABASE_URL", "paylink.toml", "paylink init"):
        assert way in result.output
    assert list(clean.iterdir()) == []  # nothing was created


@pytest.mark.parametrize("command", STORE_COMMANDS, ids=lambda c: " ".join(c))
def test_a_missing_store_is_not_created(command: list[str], tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    result = CliRunner().invoke(main, [*command, "--db", f"sqlite:///{missing}"])
    assert result.exit_code == 2, result.output
    assert "no paylink store" in result.output and "paylink init" in result.output
    assert not missing.exists()


def test_init_creates_the_store_then_commands_open_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    made = CliRunner().invoke(main, ["init", "--db", url, "--json"])
    assert made.exit_code == 0, made.output
    assert json.loads(made.output)["organizations"] == 0
    assert (tmp_path / "new.db").exists()
    again = CliRunner().invoke(main, ["init", "--db", url])
    assert again.exit_code == 0 and "paylink store ready" in again.output
    listed = CliRunner().invoke(main, ["report", "aging", "--db", url, "--json"])
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.output)["organizations"] == []


def test_without_an_organization_the_error_names_the_three_ways(store: tuple[str, str]) -> None:
    url, _ = store
    result = CliRunner().invoke(main, ["outbox", "list", "--db", url])
    assert result.exit_code == 2
    for way in ("--org", "PAYLINK_ORG", "paylink.toml", "Garage Dupont", "Bakkerij Peeters"):
        assert way in result.output
    unknown = CliRunner().invoke(main, ["outbox", "list", "--db", url, "--org", "Nobody"])
    assert unknown.exit_code == 2 and "no organization 'Nobody'" in unknown.output


def test_the_environment_chooses_store_and_organization(
    store: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, org_id = store
    monkeypatch.setenv("PAYLINK_DATABASE_URL", url)
    monkeypatch.setenv("PAYLINK_ORG", "Garage Dupont")
    result = CliRunner().invoke(main, ["report", "aging", "--json"])
    assert result.exit_code == 0, result.output
    assert [o["organization"] for o in json.loads(result.output)["organizations"]] == [org_id]


def test_the_config_file_chooses_and_the_flags_win(
    store: tuple[str, str], clean: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, org_id = store
    (clean / "paylink.toml").write_text(f'database = "{url}"\norg = "{org_id}"\n')
    result = CliRunner().invoke(main, ["report", "aging", "--json"])
    assert result.exit_code == 0, result.output
    assert [o["name"] for o in json.loads(result.output)["organizations"]] == ["Garage Dupont"]
    flagged = CliRunner().invoke(main, ["report", "aging", "--org", "Bakkerij Peeters", "--json"])
    assert [o["name"] for o in json.loads(flagged.output)["organizations"]] == ["Bakkerij Peeters"]
    # $PAYLINK_CONFIG names another file; the environment wins over it.
    other = tmp_path / "other.toml"
    other.write_text('org = "Bakkerij Peeters"\ndatabase = "sqlite:///nowhere.db"\n')
    monkeypatch.setenv("PAYLINK_CONFIG", str(other))
    monkeypatch.setenv("PAYLINK_DATABASE_URL", url)
    chosen = CliRunner().invoke(main, ["report", "aging", "--json"])
    assert chosen.exit_code == 0, chosen.output
    assert [o["name"] for o in json.loads(chosen.output)["organizations"]] == ["Bakkerij Peeters"]


def test_a_bad_config_file_is_named(clean: Path) -> None:
    (clean / "paylink.toml").write_text('databse = "sqlite:///x.db"\n')
    result = CliRunner().invoke(main, ["outbox", "list"])
    assert result.exit_code == 2
    assert "paylink.toml: unknown setting databse" in result.output
    (clean / "paylink.toml").write_text("database = [\n")
    broken = CliRunner().invoke(main, ["outbox", "list"])
    assert broken.exit_code == 2 and "not a readable TOML file" in broken.output

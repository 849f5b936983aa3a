"""The import refuses a file whose checks fail, unless told to accept it (API and CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from paylink import Paylink, StatementError
from paylink.cli import main

from ..conftest import BASE_URL
from .conftest import DATA


def _coda_with_wrong_trailer(tmp_path: Path) -> Path:
    lines = (DATA / "coda_two_statements.cod").read_bytes().split(b"\n")
    lines = [line[:16] + b"000019" + line[22:] if line.startswith(b"9") else line for line in lines]
    path = tmp_path / "wrong-trailer.cod"
    path.write_bytes(b"\n".join(lines))
    return path


def test_a_trailer_mismatch_is_refused_and_nothing_is_imported(tmp_path: Path) -> None:
    pl = Paylink.open(f"sqlite:///{tmp_path / 'paylink.db'}", base_url=BASE_URL)
    org = pl.organizations.create(name="Atelier Verbruggen BV", country="BE")
    path = _coda_with_wrong_trailer(tmp_path)
    with pytest.raises(StatementError, match="trailer records") as refused:
        pl.statements.import_file(org, path)
    assert refused.value.file == str(path)
    # The first statement of the file adds up: it was not imported either.
    assert pl.statements.transactions(org) == []
    result = pl.statements.import_file(org, path, accept_unbalanced=True)
    assert result.transactions == 6
    [mismatch] = result.mismatches
    assert [c.name for c in mismatch.checks if not c.ok] == ["trailer records"]
    assert len(pl.statements.transactions(org)) == 6
    pl.close()


def test_cli_statement_import_accept_unbalanced(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    pl = Paylink.open(db, base_url=BASE_URL)
    pl.organizations.create(name="Atelier Verbruggen BV", country="BE")
    pl.close()
    path = _coda_with_wrong_trailer(tmp_path)
    run = CliRunner()
    refused = run.invoke(main, ["statement", "import", str(path), "--db", db])
    assert refused.exit_code != 0
    assert "does not add up" in refused.output
    accepted = run.invoke(
        main, ["statement", "import", str(path), "--db", db, "--accept-unbalanced", "--json"]
    )
    # Imported, and the exit code still says that the file does not add up.
    assert accepted.exit_code == 2, accepted.output
    assert json.loads(accepted.output)["new_transactions"] == 6

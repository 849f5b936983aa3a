"""The CODA delivery folder feed: each file imported once, bad files set aside with a reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from paylink import Paylink, PluginError, ValidationError
from paylink.parties import Organization

DATA = Path(__file__).parents[1] / "statements" / "data"


def test_files_are_imported_once_and_set_aside(
    pl: Paylink, org: Organization, tmp_path: Path
) -> None:
    drop = tmp_path / "coda"
    drop.mkdir()
    shutil.copy(DATA / "coda_two_statements.cod", drop / "2026-041.cod")
    (drop / "broken.cod").write_bytes(b"0" + b"x" * 127 + b"\n")
    (drop / "arriving.cod.part").write_bytes(b"half a file")
    pl.feeds.connect(org, "coda_drop", folder=str(drop))

    [report] = pl.feeds.sync(org)
    assert report.files_imported == ("2026-041.cod",)
    assert [name for name, _ in report.files_rejected] == ["broken.cod"]
    assert len(pl.statements.transactions(org)) == 6
    # The six transactions came in a file; the report counts them.
    assert (report.new_transactions, report.duplicates) == (6, 0)
    assert (drop / "processed" / "2026-041.cod").exists()
    reason = (drop / "rejected" / "broken.cod.reason.txt").read_text()
    assert "broken.cod" in reason
    assert (drop / "arriving.cod.part").exists()  # still being delivered: left alone

    # The same content delivered again is set aside without importing anything twice.
    shutil.copy(DATA / "coda_two_statements.cod", drop / "again.cod")
    [second] = pl.feeds.sync(org)
    assert second.files_skipped == ("again.cod",) and second.files_imported == ()
    assert len(pl.statements.transactions(org)) == 6
    assert (drop / "processed" / "again.cod").exists()
    assert pl.feeds.sync(org)[0] == type(second)(feed="coda_drop")


def test_settings_are_checked(pl: Paylink, org: Organization, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as info:
        pl.feeds.connect(org, "coda_drop", folder=str(tmp_path / "missing"))
    assert info.value.field == "folder"
    with pytest.raises(PluginError, match="no bank feed 'nope'"):
        pl.feeds.connect(org, "nope")


def test_the_cli_reports_what_a_folder_sync_brought(
    pl: Paylink, org: Organization, tmp_path: Path, db_url: str
) -> None:
    from click.testing import CliRunner

    from paylink.cli import main

    drop = tmp_path / "coda"
    drop.mkdir()
    shutil.copy(DATA / "coda_two_statements.cod", drop / "2026-041.cod")
    pl.feeds.connect(org, "coda_drop", folder=str(drop))
    result = CliRunner().invoke(main, ["feed", "sync", "--db", db_url, "--org", org.id])
    assert result.exit_code == 0, result.output
    assert "coda_drop: 6 new transactions, 1 files imported, 0 rejected" in result.output


def test_the_cli_says_when_no_feed_is_connected(
    pl: Paylink, org: Organization, db_url: str
) -> None:
    from click.testing import CliRunner

    from paylink.cli import main

    result = CliRunner().invoke(main, ["feed", "sync", "--db", db_url, "--org", org.id])
    assert result.exit_code == 0, result.output
    assert "no bank feed is connected for Garage Dupont SRL" in result.output
    as_json = CliRunner().invoke(main, ["feed", "sync", "--db", db_url, "--json"])
    assert as_json.exit_code == 0 and '"feeds": []' in as_json.output

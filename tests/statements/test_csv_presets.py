"""CSV exports on the command line: named presets for Belgian banks, and mapping files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from paylink import Paylink, ValidationError
from paylink.cli import main
from paylink.statements import iter_transactions
from paylink.statements.csv import CSV_PRESETS, CsvFormat, mapping_from_dict

from ..conftest import BASE_URL

# One export per preset, in the bank's own column layout (Dutch headers, semicolons, cp1252).
SAMPLES = {
    "kbc": (
        "Rekeningnummer;Rubrieknaam;Naam;Munt;Afschriftnummer;Datum;Omschrijving;Valuta;Bedrag;"
        "Saldo;credit;debet;rekeningnummer tegenpartij;BIC tegenpartij;Naam tegenpartij;"
        "Adres tegenpartij;gestructureerde mededeling;Vrije mededeling\n"
        "BE68 5390 0754 7034;;Garage Dupont;EUR;2026003;05/03/2026;Overschrijving;05/03/2026;"
        "1.210,00;5.310,00;1.210,00;;BE62 5100 0754 7061;GKCCBEBB;Marie Peeters;;"
        "+++090/9337/55493+++;\n"
        "BE68 5390 0754 7034;;Garage Dupont;EUR;2026003;06/03/2026;Domiciliëring;06/03/2026;"
        "-45,50;5.264,50;;45,50;BE71 0961 2345 6769;;Proximus;;;factuur maart\n"
    ),
    "bnp-paribas-fortis": (
        "Volgnummer;Uitvoeringsdatum;Valutadatum;Bedrag;Valuta rekening;Rekeningnummer;"
        "Type verrichting;Tegenpartij;Naam van de tegenpartij;Mededeling;Details;Status;"
        "Reden van weigering\n"
        "2026-0042;05/03/2026;05/03/2026;1210,00;EUR;BE68539007547034;Overschrijving;"
        "BE62510007547061;Marie Peeters;+++090/9337/55493+++;;Geaccepteerd;\n"
        "2026-0043;06/03/2026;06/03/2026;-45,50;EUR;BE68539007547034;Domiciliëring;"
        "BE71096123456769;Proximus;factuur maart;;Geaccepteerd;\n"
    ),
    "belfius": (
        "Rekening;Boekingsdatum;Rekeninguittrekselnummer;Transactienummer;Rekening tegenpartij;"
        "Naam tegenpartij bevat;Straat en nummer;Postcode en plaats;Transactie;Valutadatum;"
        "Bedrag;Devies;BIC;Landcode;Mededelingen\n"
        "BE68 5390 0754 7034;05/03/2026;3;101;BE62 5100 0754 7061;Marie Peeters;;;"
        "Overschrijving;05/03/2026;1.210,00;EUR;GKCCBEBB;BE;+++090/9337/55493+++\n"
        "BE68 5390 0754 7034;06/03/2026;3;102;BE71 0961 2345 6769;Proximus;;;"
        "Domiciliëring;06/03/2026;-45,50;EUR;;BE;factuur maart\n"
    ),
    "ing-belgium": (
        "Rekeningnummer;Naam van de rekening;Rekening tegenpartij;Omzetnummer;Boekingsdatum;"
        "Valutadatum;Bedrag;Munteenheid;Omschrijving;Detail van de omzet;Bericht\n"
        "BE68 5390 0754 7034;Garage Dupont;BE62 5100 0754 7061;101;05/03/2026;05/03/2026;"
        "1210,00;EUR;Overschrijving;Marie Peeters;+++090/9337/55493+++\n"
        "BE68 5390 0754 7034;Garage Dupont;BE71 0961 2345 6769;102;06/03/2026;06/03/2026;"
        "-45,50;EUR;Domiciliëring;Proximus;factuur maart\n"
    ),
}


def _write(tmp_path: Path, preset: str) -> Path:
    path = tmp_path / f"{preset}.csv"
    path.write_bytes(SAMPLES[preset].encode("cp1252"))
    return path


def test_every_preset_has_a_sample() -> None:
    assert set(SAMPLES) == set(CSV_PRESETS)


@pytest.mark.parametrize("preset", sorted(SAMPLES))
def test_a_preset_reads_its_bank_s_export(preset: str, tmp_path: Path) -> None:
    path = _write(tmp_path, preset)
    incoming, outgoing = iter_transactions(path, format=CsvFormat(CSV_PRESETS[preset]))
    assert str(incoming.amount.amount) == "1210.00" and incoming.amount.currency == "EUR"
    assert str(incoming.structured_reference) == "+++090/9337/55493+++"
    assert incoming.counterparty_iban == "BE62510007547061"
    assert incoming.booking_date.isoformat() == "2026-03-05"
    assert str(outgoing.amount.amount) == "-45.50"
    assert "factuur maart" in (outgoing.remittance_text or "")


@pytest.mark.parametrize("preset", sorted(SAMPLES))
def test_statement_parse_and_import_take_a_preset(preset: str, tmp_path: Path, db_url: str) -> None:
    path = _write(tmp_path, preset)
    runner = CliRunner()
    refused = runner.invoke(main, ["statement", "parse", str(path), "--json"])
    assert refused.exit_code == 1 and "--preset" in refused.output
    parsed = runner.invoke(main, ["statement", "parse", str(path), "--preset", preset, "--json"])
    assert parsed.exit_code == 0, parsed.output
    [statement] = json.loads(parsed.output)["statements"]
    assert [t["amount"] for t in statement["transactions"]] == ["1210.00", "-45.50"]

    with Paylink.open(db_url, base_url=BASE_URL) as pl:
        org = pl.organizations.create(name="Garage", country="BE", iban="BE68539007547034")
    args = ["statement", "import", str(path), "--db", db_url, "--preset", preset, "--json"]
    imported = runner.invoke(main, args)
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.output)["new_transactions"] == 2
    again = runner.invoke(main, args)
    assert json.loads(again.output)["new_transactions"] == 0
    with Paylink.open(db_url, base_url=BASE_URL) as pl:
        assert len(pl.statements.transactions(org)) == 2


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_a_mapping_file_reads_any_layout(suffix: str, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("When,What,How much,Who\n2026-03-05,Invoice 7,12.50,Marie\n")
    mapping = tmp_path / f"bank{suffix}"
    fields = {
        "date": "When",
        "amount": "How much",
        "currency": "EUR",
        "text": ["What"],
        "counterparty_name": "Who",
    }
    if suffix == ".json":
        mapping.write_text(json.dumps(fields))
    else:
        mapping.write_text(
            'date = "When"\namount = "How much"\ncurrency = "EUR"\ntext = ["What"]\n'
            'counterparty_name = "Who"\n'
        )
    result = CliRunner().invoke(
        main, ["statement", "parse", str(path), "--mapping", str(mapping), "--json"]
    )
    assert result.exit_code == 0, result.output
    [tx] = json.loads(result.output)["statements"][0]["transactions"]
    assert (tx["amount"], tx["counterparty_name"], tx["remittance_text"]) == (
        "12.50",
        "Marie",
        "Invoice 7",
    )


def test_a_bad_mapping_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as info:
        mapping_from_dict({"date": "D", "amuont": "A", "currency": "EUR"}, source="bank.toml")
    assert info.value.field == "amuont" and "bank.toml" in str(info.value)
    mapping = tmp_path / "bank.toml"
    mapping.write_text('date = "D"\ncurrency = "EUR"\n')
    path = tmp_path / "x.csv"
    path.write_text("D\n2026-03-05\n")
    result = CliRunner().invoke(main, ["statement", "parse", str(path), "--mapping", str(mapping)])
    assert result.exit_code == 2 and "amount column" in result.output
    both = CliRunner().invoke(
        main, ["statement", "parse", str(path), "--mapping", str(mapping), "--preset", "kbc"]
    )
    assert both.exit_code == 2 and "not both" in both.output

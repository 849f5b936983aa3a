"""CSV exports on the command line: named presets for Belgian banks, and mapping files."""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from paylink import Paylink, ValidationError
from paylink.cli import main
from paylink.exceptions import StatementError
from paylink.statements import iter_transactions
from paylink.statements.csv import CSV_PRESETS, CsvFormat, CsvMapping, mapping_from_dict

from ..conftest import BASE_URL

# One export per preset, built from the column layout that projects reading the banks' real
# exports document (no sdist ships a real export; the sources are named per bank). Names,
# IBANs and amounts are made up; the layout (header line, cell padding, number format,
# encoding) is the bank's.
BELFIUS_CRITERIA = (
    # The search criteria and last balance Belfius writes above the header: layout from
    # renardeau/ofxstatement-be-belfius src/ofxstatement/plugins/belfius.py (skips to the ";"
    # line) and a Belfius parser's test file (CSV_HEADER, "finance.parsers.belfius_be").
    "Boekingsdatum vanaf;01/03/2026\n"
    "Boekingsdatum tot en met;31/03/2026\n"
    "Bedrag vanaf;\n"
    "Bedrag tot en met;\n"
    "Rekeninguittrekselnummer vanaf;\n"
    "Rekeninguittrekselnummer tot en met;\n"
    "Mededeling;\n"
    "Naam tegenpartij bevat;\n"
    "Rekening tegenpartij;\n"
    "Laatste saldo;5.264,50 EUR\n"
    "Datum/uur van het laatste saldo;31/03/2026 21:30:53\n"
    ";\n"
)
BELFIUS_HEADER = (
    "Rekening;Boekingsdatum;Rekeninguittrekselnummer;Transactienummer;Rekening tegenpartij;"
    "Naam tegenpartij bevat;Straat en nummer;Postcode en plaats;Transactie;Valutadatum;"
    "Bedrag;Devies;BIC;Landcode;Mededelingen\n"
)
BELFIUS_ROWS = (
    "BE68 5390 0754 7034;05/03/2026;00003;101;BE62 5100 0754 7061;Marie Peeters;"
    "Kerkstraat 1;9000 Gent;OVERSCHRIJVING VAN BE62 5100 0754 7061 Marie Peeters;05/03/2026;"
    "1.210,00;EUR;GKCCBEBB;BE;+++090/9337/55493+++\n"
    "BE68 5390 0754 7034;06/03/2026;00003;102;BE71 0961 2345 6769;Proximus;;;"
    "DOMICILIERING Proximus;06/03/2026;-45,50;EUR;;BE;factuur maart\n"
)
SAMPLES = {
    # KBC: angryzor/ofxstatement-be-kbc src/ofxstatement/plugins/kbcbe.py (18 columns, header
    # first, date in column 5, amount in 8 read with only the comma replaced) and the header
    # line other readers of KBC exports test against.
    "kbc": (
        "Rekeningnummer;Rubrieknaam;Naam;Munt;Afschriftnummer;Datum;Omschrijving;Valuta;Bedrag;"
        "Saldo;credit;debet;rekeningnummer tegenpartij;BIC tegenpartij;Naam tegenpartij;"
        "Adres tegenpartij;gestructureerde mededeling;Vrije mededeling\n"
        "BE68539007547034; ;Garage Dupont;EUR;  2026003;05/03/2026;EUROPESE OVERSCHRIJVING VAN;"
        "05/03/2026;1210,00;5310,00;1210,00;;BE62 5100 0754 7061;GKCCBEBB;Marie Peeters; ;"
        "+++090/9337/55493+++; \n"
        "BE68539007547034; ;Garage Dupont;EUR;  2026003;06/03/2026;DOMICILIERING;06/03/2026;"
        "-45,50;5264,50;;-45,50;BE71 0961 2345 6769;GEBABEBB;Proximus; ; ;factuur maart\n"
    ),
    # BNP Paribas Fortis: Nick-DT/ofxstatement-be-bnp src/ofxstatement/plugins/bnp.py (UTF-8
    # with BOM, 13 columns, amounts read as written: -1372.26) and the Dutch header line.
    "bnp-paribas-fortis": (
        "Volgnummer;Uitvoeringsdatum;Valutadatum;Bedrag;Valuta rekening;Rekeningnummer;"
        "Type verrichting;Tegenpartij;Naam van de tegenpartij;Mededeling;Details;Status;"
        "Reden van weigering\n"
        "2026-0042;05/03/2026;05/03/2026;1210.00;EUR;BE68539007547034;Overschrijving;"
        "BE62510007547061;Marie Peeters;+++090/9337/55493+++;;Geaccepteerd;\n"
        "2026-;06/03/2026;06/03/2026;-45.50;EUR;BE68539007547034;Domiciliëring;"
        "BE71096123456769;Proximus;factuur maart;;Geaccepteerd;\n"
    ),
    # The same export with French headers, as Nick-DT/ofxstatement-be-bnp lists them.
    "bnp-paribas-fortis-fr": (
        "Nº de séquence;Date d'exécution;Date valeur;Montant;Devise du compte;"
        "Numéro de compte;Type de transaction;Contrepartie;Nom de la contrepartie;"
        "Communication;Détails;Statut;Motif du refus\n"
        "2026-0042;05/03/2026;05/03/2026;1210.00;EUR;BE68539007547034;Virement en euros;"
        "BE62510007547061;Marie Peeters;+++090/9337/55493+++;;Accepté;\n"
        "2026-;06/03/2026;06/03/2026;-45.50;EUR;BE68539007547034;Domiciliation;"
        "BE71096123456769;Proximus;factuur maart;;Accepté;\n"
    ),
    "belfius": BELFIUS_CRITERIA + BELFIUS_HEADER + BELFIUS_ROWS,
    # ING Belgium: the header line and rows (-151,80) of a Belgian ING parser's tests
    # ("Rekeningnummer;Naam van de rekening;…;Detail van de omzet;Bericht").
    "ing-belgium": (
        "Rekeningnummer;Naam van de rekening;Rekening tegenpartij;Omzetnummer;Boekingsdatum;"
        "Valutadatum;Bedrag;Munteenheid;Omschrijving;Detail van de omzet;Bericht\n"
        "BE68 5390 0754 7034;Garage Dupont;BE62 5100 0754 7061;23;05/03/2026;05/03/2026;"
        "1210,00;EUR;Europese overschrijving;Marie Peeters;+++090/9337/55493+++\n"
        "BE68 5390 0754 7034;Garage Dupont;BE71 0961 2345 6769;24;06/03/2026;06/03/2026;"
        "-45,50;EUR;Domiciliëring;Proximus;factuur maart\n"
    ),
}


def _write(tmp_path: Path, preset: str, text: str | None = None) -> Path:
    path = tmp_path / f"{preset}.csv"
    path.write_bytes((SAMPLES[preset] if text is None else text).encode(_encoding(preset)))
    return path


def _encoding(preset: str) -> str:
    return CSV_PRESETS[preset].encoding


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


@pytest.mark.parametrize(
    "before", [BELFIUS_CRITERIA, BELFIUS_CRITERIA[BELFIUS_CRITERIA.index("\n") + 1 :]]
)
def test_the_belfius_header_is_found_below_the_search_criteria(before: str, tmp_path: Path) -> None:
    """Belfius writes 12 or 13 lines of search criteria; the header is found, not counted."""
    path = _write(tmp_path, "belfius", before + BELFIUS_HEADER + BELFIUS_ROWS)
    fmt = CsvFormat(CSV_PRESETS["belfius"])
    assert fmt.sniff(path.read_bytes())
    incoming, outgoing = iter_transactions(path, format=fmt)
    assert incoming.counterparty_name == "Marie Peeters"
    assert incoming.counterparty_bic == "GKCCBEBB"
    assert (incoming.value_date.isoformat() if incoming.value_date else None) == "2026-03-05"
    assert str(outgoing.amount.amount) == "-45.50"


def test_an_export_without_the_header_says_which_columns_it_looked_for(tmp_path: Path) -> None:
    path = _write(tmp_path, "belfius", BELFIUS_CRITERIA + BELFIUS_ROWS)
    assert not CsvFormat(CSV_PRESETS["belfius"]).sniff(path.read_bytes())
    with pytest.raises(StatementError, match=r"Naam tegenpartij bevat.*within the first 30"):
        list(iter_transactions(path, format=CsvFormat(CSV_PRESETS["belfius"])))


def test_a_bad_row_below_a_found_header_is_named_by_its_file_line(tmp_path: Path) -> None:
    bad = BELFIUS_ROWS.replace("-45,50", "-45,5,0")
    path = _write(tmp_path, "belfius", BELFIUS_CRITERIA + BELFIUS_HEADER + bad)
    with pytest.raises(StatementError) as info:
        list(iter_transactions(path, format=CsvFormat(CSV_PRESETS["belfius"])))
    assert info.value.line == 15  # 12 criteria lines, the header, the first row


def test_kbc_cells_are_read_without_their_padding(tmp_path: Path) -> None:
    incoming, outgoing = iter_transactions(
        _write(tmp_path, "kbc"), format=CsvFormat(CSV_PRESETS["kbc"])
    )
    assert incoming.counterparty_name == "Marie Peeters" and incoming.counterparty_bic == "GKCCBEBB"
    assert outgoing.counterparty_iban == "BE71096123456769"
    assert outgoing.remittance_text == "factuur maart DOMICILIERING"


@pytest.mark.parametrize("preset", ["bnp-paribas-fortis", "bnp-paribas-fortis-fr"])
def test_bnp_paribas_fortis_rows_without_a_sequence_number_are_all_kept(
    preset: str, tmp_path: Path
) -> None:
    """Rows not yet numbered carry only the year ("2026-"): they are no id to dedupe by."""
    text = SAMPLES[preset] + SAMPLES[preset].splitlines(keepends=True)[2].replace("-45.50", "-9.99")
    path = _write(tmp_path, preset, text)
    assert path.read_bytes().startswith(codecs.BOM_UTF8)
    transactions = list(iter_transactions(path, format=CsvFormat(CSV_PRESETS[preset])))
    assert [str(t.amount.amount) for t in transactions] == ["1210.00", "-45.50", "-9.99"]
    assert len({t.id for t in transactions}) == 3
    assert transactions[1].counterparty_name == "Proximus"


@pytest.mark.parametrize("preset", ["bnp-paribas-fortis", "bnp-paribas-fortis-fr"])
def test_bnp_paribas_fortis_writes_either_decimal_mark_and_lists_refused_payments(
    preset: str, tmp_path: Path
) -> None:
    """Rows as a reader of real Easy Banking exports lays them out in its test: a decimal comma
    and a decimal point in one file, and a refused direct debit with its reason (Status
    "Geweigerd", "Reden van weigering" filled). The refused row was never booked."""
    lines = SAMPLES[preset].splitlines(keepends=True)
    card = "2026-0044;07/03/2026;07/03/2026;-12,05;EUR;BE68539007547034;Kaartbetaling;;;;"
    card += "BETALING MET DEBETKAART NUMMER 4871 04XX XXXX 7437 KRUIDVAT;Geaccepteerd;\n"
    refused = "2026-;08/03/2026;08/03/2026;-31.41;EUR;BE68539007547034;Domiciliëring;"
    refused += "BE38001697497572;AG INSURANCE;T. WONING;EUROPESE DOMICILIERING;Geweigerd;"
    refused += "Raadpleeg uw contactpersoon.\n"
    path = _write(tmp_path, preset, "".join(lines) + card + refused)
    transactions = list(iter_transactions(path, format=CsvFormat(CSV_PRESETS[preset])))
    assert [str(t.amount.amount) for t in transactions] == ["1210.00", "-45.50", "-12.05"]
    assert transactions[2].counterparty_name is None
    assert "KRUIDVAT" in (transactions[2].remittance_text or "")


def test_a_bnp_paribas_fortis_amount_with_two_marks_is_refused_not_misread(
    tmp_path: Path,
) -> None:
    text = SAMPLES["bnp-paribas-fortis"].replace("-45.50", "-1.045,50")
    path = _write(tmp_path, "bnp-paribas-fortis", text)
    with pytest.raises(StatementError, match=re.escape("1234.56 or 1234,56")) as info:
        list(iter_transactions(path, format=CsvFormat(CSV_PRESETS["bnp-paribas-fortis"])))
    assert info.value.line == 3


def test_kbc_rows_ended_by_a_bare_carriage_return(tmp_path: Path) -> None:
    """KBC ends its rows with a carriage return and no line feed."""
    path = _write(tmp_path, "kbc", SAMPLES["kbc"].replace("\n", "\r"))
    fmt = CsvFormat(CSV_PRESETS["kbc"])
    assert fmt.sniff(path.read_bytes())
    assert [str(t.amount.amount) for t in iter_transactions(path, format=fmt)] == [
        "1210.00",
        "-45.50",
    ]
    bad = _write(tmp_path, "kbc", SAMPLES["kbc"].replace("-45,50", "-4,5,50").replace("\n", "\r"))
    with pytest.raises(StatementError) as info:
        list(iter_transactions(bad, format=fmt))
    assert info.value.line == 3


def test_either_decimal_mark_goes_without_grouping() -> None:
    with pytest.raises(ValueError, match="thousands"):
        CsvMapping(date="D", amount="A", currency="EUR", decimal=".,", thousands=".")
    with pytest.raises(ValueError, match="decimal"):
        CsvMapping(date="D", amount="A", currency="EUR", decimal="")


def test_header_within_in_a_mapping_file() -> None:
    mapping = mapping_from_dict(
        {"date": "D", "amount": "A", "currency": "EUR", "header_within": 5}, source="bank.toml"
    )
    assert mapping.header_within == 5
    with pytest.raises(ValidationError, match="header_within"):
        mapping_from_dict(
            {"date": "D", "amount": "A", "currency": "EUR", "header_within": 0}, source="bank.toml"
        )
    with pytest.raises(ValidationError) as info:
        mapping_from_dict({"date": "D", "amount": "A", "currency": "EUR", "header_within": "5"})
    assert info.value.field == "header_within"

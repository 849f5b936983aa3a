"""A labelled sample of remittance texts as payers and banks write them: recall and false hits.

Each text carries the references a person reading it would find (compact form), or none. The
positives use every written form of an OGM/VCS and an RF reference seen on Belgian statements;
the negatives hold what looks like one and is not: IBANs (a Belgian account number passes the
OGM's own modulo-97 check), phone numbers, dates, amounts, order numbers.
"""

from __future__ import annotations

import pytest

from paylink import references

# (text, references expected) — the OGMs below are valid, each made with references.ogm().
POSITIVES: list[tuple[str, list[str]]] = [
    ("+++202/6000/12320+++", ["202600012320"]),
    ("***202/6000/45662***", ["202600045662"]),
    ("+++ 123 / 4567 / 89002 +++", ["123456789002"]),
    ("Mededeling: +++ 998 / 8776 / 65589 +++ dank u", ["998877665589"]),
    ("communication structurée ***202/5110/04211***", ["202511004211"]),
    ("+++030/1202/69945+++ FACTUUR 2026-0042", ["030120269945"]),
    ("Betaling factuur 500000000174", ["500000000174"]),
    ("/REMI/ 042000001708", ["042000001708"]),
    ("REF 777.7777.77705", ["777777777705"]),
    ("gestructureerde mededeling 101-0101-01046", ["101010101046"]),
    ("202 6120 03136 merci pour la livraison", ["202612003136"]),
    ("++202/6000/12320+", ["202600012320"]),
    ("+++202/6000/12320", ["202600012320"]),
    ("202/6000/45662+++", ["202600045662"]),
    ("VCS: 123/4567/89002", ["123456789002"]),
    ("OGM 998/8776/65589 factuur maart", ["998877665589"]),
    ("Factuur 2026-0114 +++202/5110/04211+++ klantnr 4471", ["202511004211"]),
    ("PAIEMENT FACTURE 030/1202/69945 MERCI", ["030120269945"]),
    ("500 0000 00174", ["500000000174"]),
    ("042/0000/01708 + 777/7777/77705", ["042000001708", "777777777705"]),
    ("+++101/0101/01046+++ and ***202/6120/03136***", ["101010101046", "202612003136"]),
    ("betaling +++ 202/6000/12320 +++", ["202600012320"]),
    ("betaling +++202 / 6000 / 45662+++", ["202600045662"]),
    ("*** 123/4567/89002 ***", ["123456789002"]),
    ("SEPA OVERSCHRIJVING 998877665589 VAN DUPONT", ["998877665589"]),
    ("IBAN BE71 0961 2345 6769 +++202/5110/04211+++", ["202511004211"]),
    ("van BE94 2439 9428 6414 mededeling 030/1202/69945", ["030120269945"]),
    ("be44557218813145 ref 500/0000/00174", ["500000000174"]),
    ("tel 0475 12 34 56 - +++042/0000/01708+++", ["042000001708"]),
    ("2026-03-01 +++777/7777/77705+++ 2026-03-31", ["777777777705"]),
    ("year 2026 202 6000 12320", ["202600012320"]),
    ("EREF+NOTPROVIDED SVWZ+202600045662", ["202600045662"]),
    ("Storting 123456789002.", ["123456789002"]),
    ("(998/8776/65589)", ["998877665589"]),
    ('"202511004211"', ["202511004211"]),
    ("ref:030120269945;", ["030120269945"]),
    ("+++500.0000.00174+++", ["500000000174"]),
    ("+++042-0000-01708+++", ["042000001708"]),
    ("VCS 777 7777 77705 / FACT 88", ["777777777705"]),
    ("MEDEDELING 101/0101/01046 KLANT 778", ["101010101046"]),
    ("RF46 2026 0001 23", ["RF462026000123"]),
    ("rf462026000123", ["RF462026000123"]),
    ("Rf46 2026 0001 23 thanks", ["RF462026000123"]),
    ("creditor reference RF67 INV2 0260 42", ["RF67INV2026042"]),
    ("RF47A1B2C3", ["RF47A1B2C3"]),
    ("ref. RF86 9988 7766 merci", ["RF8699887766"]),
    ("RF05 FACT 2026 0311 march rent", ["RF05FACT20260311"]),
    ("/REMI/STRD/CUR/RF05FACT20260311", ["RF05FACT20260311"]),
    ("rf05 fact 2026 0311", ["RF05FACT20260311"]),
    ("paid RF46 2026 0001 23 from BE94 2439 9428 6414", ["RF462026000123"]),
    ("RF462026000123 and +++202/6000/12320+++", ["RF462026000123", "202600012320"]),
    ("betaling RF86 9988 7766 tel +32 475 12 34 56", ["RF8699887766"]),
]

# Texts without any reference, each holding something that looks like one.
NEGATIVES: list[str] = [
    "BE71 0961 2345 6769",
    "BE94 2439 9428 6414",
    "IBAN BE44 5572 1881 3145 KBC",
    "from be34378795329890",
    "BE50 6409 7450 8018 DUPONT",
    "Overschrijving van BE10 0670 2209 2204",
    "BE53930787241253",
    "rekening BE89 2659 2406 3285 huur",
    "BE97 2393 2169 3249 / NAME / JANSSENS",
    "DE89 3704 0044 0532 0130 00",
    "FR14 2004 1010 0505 0001 3M02 606",
    "NL91 ABNA 0417 1643 00",
    "LU28 0019 4006 4475 0000",
    "GB29 NWBK 6016 1331 9268 19",
    "IT60 X054 2811 1010 0000 0123 456",
    "ES91 2100 0418 4502 0005 1332",
    "tel +32 475 12 34 56",
    "gsm 0032 475 12 34 56",
    "call 0475/12.34.56 or 02 555 12 12",
    "phone +32 2 555 12 12 ext 4",
    "0032 2 555 12 12",
    "+49 30 1234 5678 90",
    "period 2026-03-01 2026-03-31",
    "01/03/2026 - 31/03/2026",
    "20260301 20260331",
    "2026.03.01 2026.03.31",
    "due 15-04-2026 invoice 2026-0042",
    "amount 1.234.567,89 EUR on 12/03/2026",
    "order 1234567890123456789",
    "card ****1234 terminal 00123456 12:45",
    "period 2026-01-01 2026-01-31",
    "huur 2026-01-01 2026-01-15 appartement",
    "gsm 0032 475 00 07 90",
    "bel 0032 475 00 07 91 na 18u",
]


def _found(text: str) -> list[str]:
    return [ref.value for ref in references.find(text)]


def test_the_sample_is_large_enough() -> None:
    assert len(POSITIVES) + len(NEGATIVES) >= 80
    for _, expected in POSITIVES:
        for value in expected:
            assert references.parse(value) is not None, value


def test_recall_on_every_written_form() -> None:
    expected = sum(len(refs) for _, refs in POSITIVES)
    hits = sum(len(set(refs) & set(_found(text))) for text, refs in POSITIVES)
    missed = [(text, refs) for text, refs in POSITIVES if set(refs) - set(_found(text))]
    assert hits / expected >= 0.98, missed


def test_no_false_reference_in_the_positives() -> None:
    extra = [(text, _found(text)) for text, refs in POSITIVES if set(_found(text)) - set(refs)]
    assert extra == []


@pytest.mark.parametrize("text", NEGATIVES)
def test_no_reference_in_an_iban_a_phone_number_or_a_date(text: str) -> None:
    assert _found(text) == []

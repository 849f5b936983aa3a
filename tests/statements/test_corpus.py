"""Real bank files from other parsers' test suites: read right, or refused for a stated reason.

The expectations were written by reading each file: the number of ``:61:`` lines / CODA
movements, the opening and closing balances as the file states them, and whether opening +
movements = closing by plain arithmetic. Several files of the mt-940 suite were anonymised by
editing amounts, so their balances no longer add up: those are expected to read with
``balanced`` False, which the importer refuses unless told to accept it. Files that are only a
fragment (a single field, no ``:20:``) or genuinely unusable are expected to be refused, with
the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from paylink.exceptions import StatementError
from paylink.statements import parse_file

# (statement count, opening, closing, balanced) per statement; None balances: none stated.
Expected = list[tuple[int, str | None, str | None, bool | None]]

MT940_READ: dict[str, Expected] = {
    "betterplace/sepa_snippet.sta": [
        (4, "766656.49 EUR", "1125250.40 EUR", True),
        # 766656.49 ... the second message's entries do not reach its closing balance
        (7, "-1970431.87 EUR", "-4472049.09 EUR", False),
    ],
    "betterplace/sepa_snippet_broken.sta": [(1, "766656.49 EUR", "1125250.40 EUR", False)],
    "betterplace/with_binary_character.sta": [
        (3, "380115.77 EUR", "199929.02 EUR", True),
        (1, "130073.19 EUR", "131193.19 EUR", True),
    ],
    "jejik/abnamro.sta": [
        (8, "3236.28 EUR", "876.84 EUR", False),  # anonymised amounts
        (2, "2876.84 EUR", "1849.75 EUR", False),
    ],
    "jejik/generic.sta": [
        (1, "100.00 EUR", "90.00 EUR", True),
        (1, "90.00 EUR", "80.00 EUR", True),
    ],
    "jejik/ing.sta": [(7, "0.00 EUR", "3.47 EUR", False)],  # -45.59 of movements
    "jejik/knab.sta": [
        (1, "0.00 EUR", "500.00 EUR", True),
        (2, "3058.98 EUR", "798.98 EUR", False),
    ],
    "jejik/postfinance.sta": [
        (2, "0.00 CHF", "229.20 CHF", True),
        (2, "229.20 CHF", "159.60 CHF", False),
    ],
    "jejik/rabobank-iban.sta": [
        (2, "1000.00 EUR", "965.00 EUR", True),
        (2, "965.00 EUR", "930.00 EUR", True),
    ],
    # The old Dutch layout: amounts padded with zeros, type codes N044/NMSC, counter account
    # and name in the customer reference.
    "jejik/rabobank.sta": [
        (1, "473.17 EUR", "395.82 EUR", False),
        (0, "1000.89 EUR", "1000.89 EUR", True),
        (2, "1295.82 EUR", "1250.87 EUR", False),
        (2, "4196.12 EUR", "4101.82 EUR", True),
    ],
    "jejik/sns.sta": [
        (2, "1234.56 EUR", "1209.56 EUR", True),
        (0, "1209.56 EUR", "1209.56 EUR", True),
    ],
    "jejik/triodos.sta": [(2, "4975.09 EUR", "4370.79 EUR", False)],
    "mBank/mt940.sta": [(3, "0.40 PLN", "0.43 PLN", True)],
    # :90D: 0 debits, :90C: 3 credits summing 0.03, as the three :61: lines say.
    "mBank/mt942.sta": [(3, None, None, True)],
    "mBank/with_newline_in_tnr.sta": [(2, "0.46 PLN", "860.17 PLN", False)],
    # Funds code after the mark (DF), type "S   ", :NS: fields.
    "sberbank/171011_01234945.sta": [(3, "627311.30 HUF", "617874.30 HUF", True)],
    "self-provided/details_60-63.sta": [(1, "12345.12 EUR", "12345.98 EUR", False)],
    # Interest dated 30 February: read as 29 February 2016.
    "self-provided/february_30.sta": [(1, "1200.00 EUR", "1194.00 EUR", True)],
    "self-provided/long_statement_number.sta": [(0, "0.00 TRY", "0.00 TRY", True)],
    "self-provided/malformed_details.sta": [(1, "12345.12 EUR", "12345.98 EUR", False)],
    # MT942 with the type code MCI0 (outside N/F/S); its :90D: states 1 debit of 2.30 where
    # the one :61: debit is 0.42.
    "self-provided/mt942.sta": [(1, None, None, False)],
    "self-provided/overly_long_details.sta": [(1, "12345.12 EUR", "12345.98 EUR", False)],
    "self-provided/raiffeisen-cmi.sta": [(7, "25170637.10 HUF", "25281687.60 HUF", False)],
    "self-provided/transaction_details_wrapped.sta": [(1, "1200.00 EUR", "1194.00 EUR", True)],
    "self-provided/whitespace.sta": [(1, "12345.12 EUR", "12345.98 EUR", False)],
    "self-provided/wrapped_timestamp.sta": [(1, "1200.00 EUR", "1194.00 EUR", True)],
}

_FRAGMENT = "expected a message to start with :20:"
MT940_REFUSED: dict[str, str] = {
    # Single-field fragments the mt-940 suite feeds to its tag parsers: no statement.
    "betterplace/amount_formats.sta": _FRAGMENT,
    "betterplace/currency_in_25.sta": _FRAGMENT,
    "betterplace/empty_86.sta": _FRAGMENT,
    "betterplace/empty_entry_date.sta": _FRAGMENT,
    "betterplace/missing_crlf_at_end.sta": _FRAGMENT,
    "cmxl/account_balance_credit.sta": _FRAGMENT,
    "cmxl/account_balance_debit.sta": _FRAGMENT,
    "cmxl/account_identification_iban.sta": _FRAGMENT,
    "cmxl/account_identification_legacy.sta": _FRAGMENT,
    "cmxl/available_balance.sta": _FRAGMENT,
    "cmxl/closing_balance.sta": _FRAGMENT,
    "cmxl/statement_details.sta": _FRAGMENT,
    "cmxl/statement_line.sta": _FRAGMENT,
    "cmxl/statement_number.sta": _FRAGMENT,
    "self-provided/empty_non_swift.sta": _FRAGMENT,
    "self-provided/sparkassen.sta": _FRAGMENT,
    # A :20: alone, or a statement cut before its closing balance.
    "betterplace/empty_line.sta": r"expected the closing balance \(:62F: or :62M:\)",
    "cmxl/reference.sta": r"expected the closing balance \(:62F: or :62M:\)",
    "self-provided/gv_codes.sta": r"line 8: expected the closing balance \(:62F: or :62M:\)",
    "self-provided/invalid_statement.sta": "expected an MT940 message starting with :20:",
    # Deutsche Mark: no longer an ISO 4217 currency, refused rather than guessed.
    "cmxl/mt940.sta": "line 4: .*got 'DEM'",
    "self-provided/raphaelm.sta": "line 13: .*got 'DEM'",
}

CODA_READ: dict[str, Expected] = {
    "Coda_foreign_account.txt": [(2, "443390.70 EUR", "443346.30 EUR", True)],
    # 11 details of its globalised totals: pycoda calls the file faulty, its trailer agrees.
    "Coda_v2_3_faulty_globalisation.txt": [(11, "19338.09 EUR", "10807.81 EUR", True)],
    "Coda_v2_3_faulty_globalisation_2.txt": [(2, "104014.76 EUR", "90080.13 EUR", True)],
    "Coda_v2_3_globalisation.txt": [(4, "-455.17 EUR", "275270.53 EUR", True)],
    # A movement was cut out of this copy: 19 records 1/2/3/8 where its trailer states 23.
    "Coda_v2_3_globalisation_2.txt": [(4, "-455.17 EUR", "275270.53 EUR", False)],
    "Coda_v2_3_multi_statements.txt": [
        (30, "0.00 EUR", "0.00 EUR", True),
        (11, "19338.09 EUR", "10807.81 EUR", True),
    ],
    "Coda_v2_3_single_statement.txt": [(30, "0.00 EUR", "0.00 EUR", True)],
}


def _summary(path: Path, fmt: str) -> Expected:
    return [
        (
            len(s.transactions),
            None if s.opening_balance is None else str(s.opening_balance),
            None if s.closing_balance is None else str(s.closing_balance),
            s.balanced,
        )
        for s in parse_file(path, format=fmt)
    ]


@pytest.mark.parametrize("name", sorted(MT940_READ))
def test_mt940_corpus_reads(corpus: Callable[[str], Path], name: str) -> None:
    path = corpus("mt-940") / "mt-940-4.23.0" / "mt940_tests" / name
    assert _summary(path, "mt940") == MT940_READ[name]


@pytest.mark.parametrize("name", sorted(MT940_REFUSED))
def test_mt940_corpus_refusals(corpus: Callable[[str], Path], name: str) -> None:
    path = corpus("mt-940") / "mt-940-4.23.0" / "mt940_tests" / name
    with pytest.raises(StatementError, match=MT940_REFUSED[name]) as caught:
        parse_file(path, format="mt940")
    assert caught.value.file == str(path)


def test_the_mt940_corpus_is_covered(corpus: Callable[[str], Path]) -> None:
    folder = corpus("mt-940") / "mt-940-4.23.0" / "mt940_tests"
    names = {str(path.relative_to(folder)) for path in folder.rglob("*.sta")}
    assert names == {*MT940_READ, *MT940_REFUSED, "betterplace/sepa_mt9401.sta"}


@pytest.mark.parametrize("name", sorted(CODA_READ))
def test_coda_corpus_reads(corpus: Callable[[str], Path], name: str) -> None:
    path = corpus("pycoda") / "pycoda-1.1.0" / "coda" / "tests" / name
    assert _summary(path, "coda") == CODA_READ[name]


def test_coda_corpus_refuses_version_1(corpus: Callable[[str], Path]) -> None:
    path = corpus("pycoda") / "pycoda-1.1.0" / "coda" / "tests" / "Coda_faulty_version.txt"
    with pytest.raises(StatementError, match="line 1: expected CODA version 2 at position 128"):
        parse_file(path, format="coda")


def test_coda_corpus_details_carry_their_references(corpus: Callable[[str], Path]) -> None:
    path = corpus("pycoda") / "pycoda-1.1.0" / "coda" / "tests" / "Coda_v2_3_globalisation.txt"
    [statement] = parse_file(path)
    # The globalised total of 500.00 is replaced by its details, which add up to it.
    assert [str(c) for c in statement.checks if not c.ok] == []
    assert sum(t.amount.amount for t in statement.transactions) == (
        statement.closing_balance.amount - statement.opening_balance.amount  # type: ignore[union-attr]
    )


def test_mt940_package_examples(corpus: Callable[[str], Path]) -> None:
    folder = corpus("mt940") / "mt940-0.8.1" / "mt940"
    # Two copies of one ABN AMRO message, "RC" (reversed credit) among its lines.
    assert _summary(folder / "MT940.txt", "mt940") == [
        (3, "5138.61 EUR", "5638.62 EUR", True),
        (3, "5138.61 EUR", "5638.62 EUR", True),
    ]
    # Neither opening nor closing balance: there is no account currency to read it in.
    with pytest.raises(StatementError, match=r"line 7: expected an opening balance \(:60F:\)"):
        parse_file(folder / "MT940-optional.txt", format="mt940")


def test_mt940_corpus_a_month_of_sepa_statements(corpus: Callable[[str], Path]) -> None:
    path = corpus("mt-940") / "mt-940-4.23.0" / "mt940_tests" / "betterplace" / "sepa_mt9401.sta"
    summary = _summary(path, "mt940")
    # 26 messages, 97 :61: lines, every one adding up (German SEPA :86: with ?20-?29 tags).
    assert len(summary) == 26
    assert sum(count for count, *_ in summary) == 97
    assert all(balanced for *_, balanced in summary)
    assert summary[0] == (7, "-1234718.36 EUR", "-1237628.23 EUR", True)
    assert summary[-1] == (1, "0.00 EUR", "50.05 EUR", True)

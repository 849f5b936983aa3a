"""Reports on a known portfolio: aging, DSO, cash per month, customers; records and frames."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal

import pytest
from click.testing import CliRunner

from paylink import Line, Paylink
from paylink import reports as r
from paylink.cli import main
from paylink.exceptions import MissingExtra
from paylink.money import Money
from paylink.parties import Customer, Organization

TODAY = dt.date(2026, 3, 2)


def eur(value: str) -> Money:
    return Money.of(value, "EUR")


def invoice(
    pl: Paylink, org: Organization, customer: Customer, price: str, days_late: int
) -> object:
    due = TODAY - dt.timedelta(days=days_late)
    return pl.invoices.issue(
        org,
        customer,
        lines=[Line(description="Work", quantity="1", unit_price=price, vat_rate="0")],
        issue_date=due - dt.timedelta(days=30),
        due_date=due,
    )


@pytest.fixture
def portfolio(pl: Paylink, org: Organization) -> dict[str, Customer]:
    alice = pl.customers.create(org, name="Alice")
    bob = pl.customers.create(org, name="Bob")
    invoice(pl, org, alice, "100.00", -10)  # not due
    invoice(pl, org, alice, "200.00", 0)  # due today: not due yet
    invoice(pl, org, alice, "300.00", 1)  # 1-30
    invoice(pl, org, bob, "400.00", 30)  # 1-30
    invoice(pl, org, bob, "500.00", 31)  # 31-60
    invoice(pl, org, bob, "600.00", 90)  # 61-90
    late = invoice(pl, org, bob, "700.00", 91)  # over 90
    paid = invoice(pl, org, alice, "50.00", 5)
    pl.payments.record(paid, received_on=dt.date(2026, 2, 10))
    pl.payments.record(late, "200.00", received_on=dt.date(2026, 1, 20))
    pl.purchases.create(
        org,
        supplier_name="Parts BV",
        supplier_iban="NL91ABNA0417164300",
        amount="80.00",
        due_date=TODAY - dt.timedelta(days=45),
    )
    pl.purchases.create(
        org,
        supplier_name="Office Ltd",
        supplier_iban="NL91ABNA0417164300",
        amount="20.00",
        due_date=TODAY + dt.timedelta(days=5),
    )
    return {"alice": alice, "bob": bob}


def test_aging_of_receivables_and_payables(
    pl: Paylink, org: Organization, portfolio: dict[str, Customer]
) -> None:
    report = pl.reports.aging(org, today=TODAY)
    assert [(b.label, b.count, b.amount) for b in report.buckets] == [
        ("not due", 2, eur("300.00")),
        ("1-30", 2, eur("700.00")),
        ("31-60", 1, eur("500.00")),
        ("61-90", 1, eur("600.00")),
        ("over 90", 1, eur("500.00")),
    ]
    assert report.total == eur("2600.00")
    assert report.overdue == eur("2300.00")
    payables = pl.reports.aging(org, kind="payables", today=TODAY)
    assert [(b.label, b.amount) for b in payables.buckets if b.count] == [
        ("not due", eur("20.00")),
        ("31-60", eur("80.00")),
    ]


def test_dso(pl: Paylink, org: Organization, portfolio: dict[str, Customer]) -> None:
    report = pl.reports.dso(org, days=90, today=TODAY)
    # Sales: invoices issued in the 90 days before today. Each was issued 30 days before its
    # due date, so those less than 60 days late: 100 + 200 + 300 + 400 + 500 + 50 (paid).
    # Open receivables: 2600.00.
    assert report.sales == eur("1550.00")
    assert report.receivables == eur("2600.00")
    assert report.dso == (Decimal("2600") / Decimal("1550") * 90).quantize(Decimal("0.1"))
    assert r.dso(eur("10"), eur("0"), today=TODAY).dso is None


def test_cashflow_from_payments(
    pl: Paylink, org: Organization, portfolio: dict[str, Customer]
) -> None:
    report = pl.reports.cashflow(org, months=3, today=TODAY)
    assert report.source == "payments"
    assert [(m.month.isoformat(), m.cash_in, m.cash_out) for m in report.months] == [
        ("2026-01-01", eur("200.00"), eur("0.00")),
        ("2026-02-01", eur("50.00"), eur("0.00")),
        ("2026-03-01", eur("0.00"), eur("0.00")),
    ]
    assert report.months[0].net == eur("200.00")


def test_customers(pl: Paylink, org: Organization, portfolio: dict[str, Customer]) -> None:
    report = pl.reports.customers(org, today=TODAY)
    assert [(c.name, c.revenue, c.open_balance, c.overdue, c.invoices) for c in report.lines] == [
        ("Bob", eur("2200.00"), eur("2000.00"), eur("2000.00"), 4),
        ("Alice", eur("650.00"), eur("600.00"), eur("300.00"), 4),
    ]
    assert [c.name for c in report.top(1)] == ["Bob"]


def test_records_and_dataframes(
    pl: Paylink, org: Organization, portfolio: dict[str, Customer]
) -> None:
    pd = pytest.importorskip("pandas")
    for report in (
        pl.reports.aging(org, today=TODAY),
        pl.reports.dso(org, today=TODAY),
        pl.reports.cashflow(org, today=TODAY),
        pl.reports.customers(org, today=TODAY),
    ):
        records = report.to_records()
        frame = report.to_dataframe()
        assert isinstance(frame, pd.DataFrame)
        assert len(frame) == len(records)
        assert list(frame.columns) == list(records[0])


def test_to_dataframe_without_pandas_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # what an environment without pandas sees
    report = r.aging([], TODAY, currency="EUR")
    with pytest.raises(MissingExtra, match=r"the 'notebook' extra .*paylink-invoices\[notebook\]"):
        report.to_dataframe()


def test_pure_buckets_and_cashflow() -> None:
    assert [r.bucket_of(d) for d in (-5, 0, 1, 30, 31, 60, 61, 90, 91, 1000)] == [
        "not due", "not due", "1-30", "1-30", "31-60", "31-60", "61-90", "61-90",
        "over 90", "over 90",
    ]  # fmt: skip
    flow = r.cashflow(
        [(dt.date(2026, 2, 3), eur("10")), (dt.date(2026, 2, 9), eur("-4")),
         (dt.date(2025, 1, 1), eur("99")), (dt.date(2026, 2, 5), Money.of("7", "USD"))],
        today=TODAY, months=2, currency="EUR",
    )  # fmt: skip
    assert [(m.cash_in, m.cash_out) for m in flow.months] == [
        (eur("10"), eur("4")),
        (eur("0"), eur("0")),
    ]


def test_report_cli(pl: Paylink, db_url: str, org: Organization) -> None:
    pl.customers.create(org, name="Alice")
    runner = CliRunner()
    for name in ("aging", "cashflow", "customers", "dso"):
        result = runner.invoke(main, ["report", name, "--db", db_url, "--json"])
        assert result.exit_code == 0, result.output
        assert f'"report": "{name}"' in result.output
    table = runner.invoke(main, ["report", "aging", "--db", db_url])
    assert table.exit_code == 0, table.output
    assert "over 90" in table.output

"""The pure engine (as in a notebook), ``paylink reconcile`` and the service give the same
matches for the same invoices and the same statement."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from paylink import Line, Money, Paylink
from paylink.cli.reconcile import reconcile as reconcile_command
from paylink.parties import Customer, Organization
from paylink.reconcile import load_open_items, reconcile
from paylink.statements import iter_transactions
from paylink.testing import StatementLine, camt053

DAY = dt.date(2026, 3, 9)


def _issue(pl: Paylink, org: Organization, customer: Customer, amount: str) -> Any:
    return pl.invoices.issue(
        org,
        customer,
        lines=[Line(description="Work", quantity="1", unit_price=amount, vat_rate="0")],
    )


def _line(n: int, amount: str, name: str, **kw: Any) -> StatementLine:
    return StatementLine(
        amount=Money.of(amount, "EUR"),
        booking_date=DAY,
        bank_reference=f"B{n:04d}",
        counterparty_name=name,
        **kw,
    )


def _spaced(ogm: str) -> str:
    # as people type it, inside other words
    return f"{ogm[:3]} {ogm[3:7]} {ogm[7:]}"


def _matches(proposals: Any) -> dict[str, tuple[tuple[str, ...], str, bool]]:
    return {p.transaction_id: (tuple(sorted(p.invoice_numbers)), p.rule, p.auto) for p in proposals}


def test_engine_cli_and_service_agree(pl: Paylink, org: Organization, tmp_path: Path) -> None:
    marie = pl.customers.create(org, name="Marie Peeters", ibans=["BE62 5100 0754 7061"])
    acme = pl.customers.create(org, name="Acme Bouw BV", ibans=["BE68 5390 0754 7034"])
    luc = pl.customers.create(org, name="Luc Janssens")
    a, b, c = (_issue(pl, org, marie, x) for x in ("100.00", "40.00", "65.00"))
    d, e, f = (_issue(pl, org, acme, x) for x in ("250.00", "120.00", "80.00"))
    g, h = (_issue(pl, org, luc, x) for x in ("300.00", "75.50"))
    lines = [
        _line(1, "100.00", "M PEETERS", reference=a.reference),  # exact reference
        # typed in the text: the statement parser lifts it out as the structured reference
        _line(2, "250.00", "ACME", text=f"betaling {_spaced(d.reference.value)} dank"),
        _line(3, "75.50", "L. Janssens", text=f"factuur {h.number}"),  # invoice number
        _line(4, "65.00", "Peeters", counterparty_iban="BE62510007547061"),  # IBAN + amount
        _line(5, "200.00", "Acme Bouw", counterparty_iban="BE68539007547034"),  # 120 + 80
        _line(6, "100.00", "Luc Janssens", reference=g.reference),  # part of 300
        _line(7, "45.00", "Marie", text=f"{b.reference} + costs"),  # 40, and 5 as credit
        _line(8, "19.99", "Somebody Else", text="refund"),  # ours? no
    ]
    statement = tmp_path / "statement.xml"
    statement.write_bytes(
        camt053(
            account_iban="BE71096123456769",
            statement_id="S1",
            opening=Money.of("0", "EUR"),
            lines=lines,
            created_at=dt.datetime(2026, 3, 9, 6, tzinfo=dt.UTC),
        )
    )
    # the open invoices as a person would export them for the CLI and the notebook
    customers = {c.id: c for c in (marie, acme, luc)}
    rows = [
        {
            "number": inv.number,
            "customer_name": customers[inv.customer_id].name,
            "customer_iban": ";".join(customers[inv.customer_id].ibans),
            "amount": str(inv.open_amount.amount),
            "currency": "EUR",
            "reference": str(inv.reference),
            "issue_date": inv.issue_date.isoformat(),
            "due_date": inv.due_date.isoformat(),
        }
        for inv in (a, b, c, d, e, f, g, h)
    ]
    invoices = tmp_path / "open.json"
    invoices.write_text(json.dumps(rows))

    notebook = reconcile(iter_transactions(statement), load_open_items(invoices))
    out = CliRunner().invoke(
        reconcile_command,
        ["--invoices", str(invoices), "--statement", str(statement), "--json"],
        catch_exceptions=False,
    )
    assert out.exit_code == 0, out.output
    cli = json.loads(out.output)
    pl.statements.import_file(org, statement)
    service = pl.reconciliation.run(org)

    expected = {
        "B0001": ((a.number,), "exact_reference", True),
        "B0002": ((d.number,), "exact_reference", True),
        "B0003": ((h.number,), "invoice_number", True),
        "B0004": ((c.number,), "iban_amount", True),
        "B0005": (tuple(sorted((e.number, f.number))), "subset_sum", True),
        "B0006": ((g.number,), "partial_payment", True),
        "B0007": ((b.number,), "overpayment", True),
    }
    assert _matches(notebook.proposals) == expected
    assert _matches(service.result.proposals) == expected
    assert {
        m["transaction_id"]: (
            tuple(sorted(i["number"] for i in m["invoices"])),
            m["rule"],
            m["auto"],
        )
        for m in cli["matches"]
    } == expected
    assert notebook.unmatched == tuple(cli["unmatched"]) == service.unmatched == ("B0008",)
    # and the service applied exactly the confident ones
    assert sorted(m.transaction_id for m in service.applied) == [
        tx for tx, (_, _, auto) in expected.items() if auto
    ]

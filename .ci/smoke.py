"""Smoke checks of an installed paylink wheel: `python smoke.py EXTRAS` (e.g. "" or "pdf,web").

Run by `nox --session wheel` in a fresh virtual environment holding only the built wheel and the
named extras. The core must work on its own; each feature of an extra must work when the extra
is installed, and otherwise fail with a message that names the extra and how to install it.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paylink
from paylink import FixedClock, Line, Paylink
from paylink.exceptions import MissingExtra

EXTRAS = {e for e in (sys.argv[1] if len(sys.argv) > 1 else "").split(",") if e}
checks: list[str] = []


def needs(extra: str, feature: str, run: Callable[[], Any]) -> None:
    """Run ``feature``: it must work with ``extra`` installed, else name the extra."""
    if extra in EXTRAS:
        run()
        checks.append(f"{feature}: works with [{extra}]")
        return
    try:
        run()
    except MissingExtra as exc:
        assert exc.extra == extra, (feature, exc.extra, extra)
        assert f"[{extra}]" in str(exc), str(exc)
        checks.append(f"{feature}: says {str(exc)!r}")
    else:
        raise AssertionError(f"{feature} worked without the {extra!r} extra")


def main() -> None:
    assert paylink.__version__, "no version"
    where = Path(tempfile.mkdtemp())
    clock = FixedClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    pl = Paylink.open(
        f"sqlite:///{where / 'smoke.db'}", clock=clock, base_url="https://pay.example.be"
    )
    org = pl.organizations.create(
        name="Garage Dupont SRL", country="BE", iban="BE71 0961 2345 6769", vat_id="BE0403170701"
    )
    customer = pl.customers.create(org, name="Marie Peeters", email="marie@example.be")
    invoice = pl.invoices.issue(
        org,
        customer,
        lines=[Line(description="Brake pads", quantity="2", unit_price="45.00", vat_rate="21")],
    )
    assert str(invoice.total) == "108.90 EUR", invoice.total
    checks.append(f"core: issued {invoice.number} for {invoice.total}, {invoice.reference}")

    from paylink import qr, references, statements
    from paylink.reconcile import OpenItem, reconcile
    from paylink.statements.writer import StatementLine, camt053

    assert qr.epc_qr(
        name=org.name, iban=org.iban, amount=invoice.total, reference=str(invoice.reference)
    )
    assert references.find(f"betaling {invoice.reference}")
    data = camt053(
        account_iban=org.iban,
        statement_id="S-1",
        opening=invoice.total - invoice.total,
        lines=[
            StatementLine(
                amount=invoice.total,
                booking_date=dt.date(2026, 3, 3),
                bank_reference="B-1",
                counterparty_name="Marie Peeters",
                reference=invoice.reference,
            )
        ],
        created_at=dt.datetime(2026, 3, 3, 18, 0, tzinfo=dt.UTC),
    )
    (statement,) = statements.parse_bytes(data)
    result = reconcile(statement.transactions, [OpenItem.from_invoice(invoice, customer)])
    assert [p.invoice_numbers for p in result.auto] == [(invoice.number,)], result
    checks.append("core: a camt.053 parsed and reconciled")

    def web() -> None:
        from paylink.web import create_app

        app = create_app(pl)
        from starlette.testclient import TestClient

        with TestClient(app) as client:
            assert client.get("/healthz").status_code in (200, 404)

    def pdf() -> None:
        rendered = pl.renditions.pdf(invoice)
        assert rendered[:5] == b"%PDF-", rendered[:5]

    def postgres() -> None:
        try:
            Paylink.open("postgresql://nobody@127.0.0.1:9/none")
        except MissingExtra:
            raise
        except Exception as exc:  # the driver is there; nothing listens on port 9
            assert "connect" in str(exc).lower() or "refused" in str(exc).lower(), exc

    def einvoice() -> None:
        from paylink.einvoice import facturx
        from paylink.exceptions import ValidationError

        try:  # not a Factur-X PDF: refused by the factur-x package, which is there
            facturx.extract_xml(b"%PDF-1.7 not really")
        except ValidationError:
            pass

    def notebook() -> None:
        frame = result.to_dataframe()
        assert len(frame) == 1

    needs("web", "the web app", web)
    needs("pdf", "PDF rendering", pdf)
    needs("postgres", "PostgreSQL", postgres)
    needs("einvoice", "Factur-X", einvoice)
    needs("notebook", "DataFrames", notebook)
    pl.close()
    print(f"smoke [{','.join(sorted(EXTRAS)) or 'core'}]: {len(checks)} checks passed")
    for line in checks:
        print("  -", line)


if __name__ == "__main__":
    main()

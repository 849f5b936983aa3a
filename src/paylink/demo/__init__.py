"""``paylink demo``: the whole story on the embedded defaults, printed as it goes.

It builds a fresh SQLite database (``paylink-demo/paylink.db`` by default) with a Belgian garage,
its catalog and customers, a quote approved into an invoice, invoices issued with structured
references, a payment and a credit note, on a simulated clock. Last, on the real clock, it
leaves pages a newcomer can open once the app is served: an open invoice's payment link, a quote
to approve and a customer's portal with something to pay, and it prints them with the command
that serves them (``paylink serve --db sqlite:///paylink-demo/paylink.db --secret-file
paylink-demo/secret``: the demo's URL tokens derive from the random secret it keeps in that
file).

The demo is a user of the public API like any other: it reaches nothing behind
:class:`~paylink.Paylink` and its namespaces.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ..clock import FixedClock
from ..documents import Invoice, Line
from ..exceptions import PaylinkError
from ..money import Money
from ..parties import Address, Organization
from ..service import DEFAULT_BASE_URL, Paylink
from ..statements.writer import StatementLine, camt053
from ._credit import demo_credit
from ._desk import demo_desk
from ._einvoice import demo_einvoices
from ._messages import demo_messages
from ._payouts import demo_payouts
from ._peppol import demo_peppol
from ._reminders import demo_reminders

__all__ = ["DEMO_START", "run_demo"]

DEMO_START = dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.UTC)
"""The demo's story starts on Monday 2 March 2026, 09:30 in Brussels."""


def _money_table(invoice: Invoice) -> list[str]:
    rows = [f"      {'net':>10} {invoice.net_total}"]
    for vat in invoice.vat_breakdown:
        rows.append(f"      {'VAT ' + str(vat.rate) + '%':>10} {vat.vat}  (on {vat.base})")
    rows.append(f"      {'total':>10} {invoice.total}")
    return rows


def _shown(url: str) -> str:
    """``url`` with its password (if any) masked, fit to print."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def run_demo(
    echo: Callable[[str], None] = print,
    *,
    directory: Path = Path("paylink-demo"),
    url: str | None = None,
) -> Paylink:
    """Tell the story; return the :class:`Paylink` it used (its database is kept, and the
    secret its URL tokens derive from, in ``directory / "secret"``)."""
    directory.mkdir(parents=True, exist_ok=True)
    if url is None:
        db = directory / "paylink.db"
        for leftover in directory.glob("paylink.db*"):
            leftover.unlink()
        url = f"sqlite:///{db}"
    secret_file = directory / "secret"
    secret = secrets.token_urlsafe(32)
    secret_file.write_text(secret + "\n", encoding="utf-8")
    os.chmod(secret_file, 0o600)
    clock = FixedClock(DEMO_START)
    # The demo serves its pages on this machine (paylink serve), so its links point there.
    pl = Paylink.open(url, clock=clock, base_url=DEFAULT_BASE_URL, create=True, secret=secret)

    def step(title: str) -> None:
        echo("")
        echo(f"== {title}")

    step("An organization, on the embedded defaults")
    echo(f"   database: {_shown(url)}")
    org = pl.organizations.create(
        name="Garage Dupont SRL",
        country="BE",
        iban="BE71 0961 2345 6769",
        bic="GKCCBEBB",
        vat_id="BE0403170701",
        address=Address(
            street="Rue de la Loi 16", postal_code="1000", city="Bruxelles", country="BE"
        ),
        email="factures@garage-dupont.example",
        phone="+32 2 550 18 11",
        brand_color="#b3261e",
        payment_footnote="Merci de payer avec la communication structurée.",
        legal_terms="Conditions générales: www.garage-dupont.example/cgv",
    )
    echo(f"   {org.name} ({org.vat_id}), account {org.iban}, language {org.language},")
    echo(
        f"   structured references: {org.reference_scheme.upper()}, "
        f"terms {org.payment_terms_days} days"
    )

    step("A catalog to pick lines from")
    pads = pl.catalog.add(
        org, name="Brake pads (set)", unit_price="45.00", vat_rate="21", unit="set"
    )
    labour = pl.catalog.add(org, name="Labour", unit_price="60.00", vat_rate="21", unit="hour")
    check = pl.catalog.add(org, name="Technical inspection prep", unit_price="35.00", vat_rate="6")
    for item in (pads, labour, check):
        echo(f"   {item.name:<28} {item.unit_price:>8} EUR  VAT {item.vat_rate}%")

    step("Customers (phones normalised to E.164)")
    marie = pl.customers.create(
        org,
        name="Marie Peeters",
        email="marie.peeters@example.be",
        phone="0470 12 34 56",
        language="nl",
        ibans=["BE62 5100 0754 7061"],
    )
    brasserie = pl.customers.create(
        org,
        name="Brasserie du Parc SA",
        email="compta@brasserie-du-parc.example",
        vat_id="BE0417497106",
        phone="+32 2 511 11 11",
        ibans=["BE43 0689 9999 9501"],
    )
    john = pl.customers.create(org, name="John Smith", email="john@example.com", language="en")
    for cust in (marie, brasserie, john):
        echo(
            f"   {cust.name:<22} {cust.kind:<8} {cust.language}  "
            f"{cust.phone or '-':<14} {cust.email}"
        )

    step("A quote, sent and approved: it becomes an invoice")
    quote = pl.quotes.create(
        org,
        brasserie,
        lines=[pl.catalog.line(pads, 2), pl.catalog.line(labour, "1.5"), pl.catalog.line(check, 1)],
    )
    quote = pl.quotes.send(quote)
    echo(f"   quote {quote.number}: {quote.total}, valid until {quote.valid_until}")
    clock.advance(days=1, hours=2)
    approved = pl.quotes.approve(quote, ip="198.51.100.7", user_agent="Mozilla/5.0 (iPhone)")
    echo(f"   approved {clock.now():%d %b %H:%M} UTC -> invoice {approved.number}")
    for row in _money_table(approved):
        echo(row)
    echo(f"      pay with {approved.reference}  before {approved.due_date}")

    step("Invoices issued straight away, with structured references")
    inv_marie = pl.invoices.issue(
        org,
        marie,
        lines=[
            pl.catalog.line(pads, 1),
            Line(description="Oil change", quantity="1", unit_price="79.99", vat_rate="21"),
        ],
    )
    inv_john = pl.invoices.issue(org, john, lines=[pl.catalog.line(labour, 2, discount="10")])
    for inv in (inv_marie, inv_john):
        echo(f"   {inv.number}  {inv.total!s:>12}  ref {inv.reference}  due {inv.due_date}")

    step("Payment links: one per invoice, with a status to follow")
    links = {inv.number: pl.links.create(inv) for inv in (approved, inv_marie, inv_john)}
    for number, link in links.items():
        echo(f"   {number}  {link.status:<8} {link.url}")
    demo_messages(pl, org, echo, directory=directory / "outbox")
    clock.advance(hours=3)
    pl.links.mark(links[inv_marie.number], "opened", source="web")
    deposit = pl.links.request(org, john, amount="50.00", description="Deposit for the timing belt")
    echo(f"   quick request {deposit.amount} ({deposit.reference}): {deposit.url}")
    pending = pl.quotes.send(
        pl.quotes.create(
            org,
            marie,
            lines=[pl.catalog.line(labour, 3), pl.catalog.line(pads, 2)],
        )
    )
    echo(f"   quote {pending.number} waits for approval: {pl.quotes.url(pending)}")
    echo(f"   {brasserie.name}'s portal: {pl.portal.url(brasserie)}")

    step("Bad input is refused, and nothing half-written stays")
    for label, attempt in (
        (
            "a float amount",
            lambda: Line(description="x", quantity="1", unit_price=9.99, vat_rate="21"),
        ),
        ("an invoice without lines", lambda: pl.invoices.issue(org, marie, lines=[])),
        ("a wrong IBAN", lambda: pl.customers.create(org, name="X", ibans=["BE00 1234"])),
        (
            "approving a declined quote",
            lambda: pl.quotes.approve(
                pl.quotes.decline(
                    pl.quotes.send(pl.quotes.create(org, john, lines=[pl.catalog.line(check)])),
                    reason="too expensive",
                )
            ),
        ),
    ):
        try:
            attempt()
        except PaylinkError as exc:
            echo(f"   {label:<28} -> {type(exc).__name__}: {exc}")
    echo(f"   invoices in the store: {len(pl.invoices.list(org))} (numbers stay gapless)")

    step("Payments and a credit note")
    clock.advance(days=3)
    pl.payments.record(approved, "100.00", method="bank_transfer")
    pl.payments.record(inv_marie)
    note = pl.invoices.cancel(inv_john, reason="Work done under warranty")
    for inv in pl.invoices.list(org):
        echo(
            f"   {inv.number}  {inv.status:<15} paid {inv.paid!s:>12}  open {inv.open_amount!s:>12}"
        )
    echo(f"   credit note {note.number} for {note.total} cancels {inv_john.number}")
    history = pl.links.get(org, links[inv_marie.number].id).history
    echo(
        f"   link of {inv_marie.number}: "
        + ", ".join(f"{event.status} {event.at:%d %b %H:%M}" for event in history)
    )
    echo(f"   link of {inv_john.number}: {pl.links.get(org, links[inv_john.number].id).status}")

    step("Paying suppliers: a SEPA credit-transfer file (pain.001)")
    pl.purchases.create(
        org,
        supplier_name="Pièces Auto Distribution SA",
        supplier_iban="BE43 0689 9999 9501",
        amount="1210.00",
        due_date=dt.date(2026, 3, 20),
        supplier_reference="F-2026-0889",
        payment_reference="+++090/9337/55493+++",
    )
    pl.purchases.create(
        org,
        supplier_name="Immo Parc SRL",
        supplier_iban="BE62 5100 0754 7061",
        amount="1450.00",
        due_date=dt.date(2026, 4, 1),
        supplier_reference="Loyer avril",
    )
    payfile = pl.purchases.pain001(org)
    payfile_path = directory / "payments-pain001.xml"
    payfile_path.write_bytes(payfile.xml)
    for order in payfile.orders:
        echo(
            f"   {order.execution_date}  {order.amount!s:>12}  {order.creditor_name:<28} "
            f"{order.reference or order.text}"
        )
    echo(
        f"   {payfile_path} ({payfile.version}, XSD-valid, {payfile.total}); "
        "the invoices are now payment_ordered"
    )

    step("The bank side: a statement imported")
    purchase = next(p for p in pl.purchases.list(org) if p.payment_reference)
    statement = camt053(
        account_iban=org.iban or "",
        statement_id="2026-03-09-00017",
        owner=org.name,
        opening=Money.of("12500.00", "EUR"),
        created_at=clock.now(),
        lines=[
            StatementLine(
                amount=pl.invoices.get(org, approved.id).open_amount,
                booking_date=dt.date(2026, 3, 9),
                bank_reference="20260309-0000101",
                counterparty_name="BRASSERIE DU PARC",
                counterparty_iban="BE43068999999501",
                reference=approved.reference,
            ),
            StatementLine(
                amount=deposit.amount,
                booking_date=dt.date(2026, 3, 9),
                bank_reference="20260309-0000102",
                counterparty_name="J. SMITH",
                counterparty_iban="GB33BUKB20201555555555",
                text=f"deposit timing belt {deposit.reference}",
            ),
            StatementLine(
                amount=-purchase.amount,
                booking_date=dt.date(2026, 3, 9),
                bank_reference="20260309-0000103",
                counterparty_name=purchase.supplier_name,
                counterparty_iban=purchase.supplier_iban,
                reference=purchase.payment_reference,
                end_to_end_id=purchase.id,
            ),
            StatementLine(
                amount=Money.of("18.00", "EUR"),
                booking_date=dt.date(2026, 3, 9),
                bank_reference="20260309-0000104",
                counterparty_name="UNKNOWN SENDER",
                text="refund parking",
            ),
        ],
    )
    statement_path = directory / "statement-camt053.xml"
    statement_path.write_bytes(statement)
    imported = pl.statements.import_file(org, statement_path)
    echo(
        f"   {statement_path}: {imported.format}, {imported.transactions} transactions, "
        f"{imported.new_transactions} new; {imported.statements[0].balance}"
    )
    again = pl.statements.import_file(org, statement_path)
    echo(f"   imported again: {again.new_transactions} new, {again.duplicates} skipped")
    for tx in pl.statements.transactions(org):
        ref = tx.structured_reference or tx.remittance_text or ""
        echo(f"   {tx.booking_date}  {tx.amount!s:>13}  {tx.counterparty_name or '':<28} {ref}")

    step("Reconciliation: the bank statement checks the invoices")
    run = pl.reconciliation.run(org)
    for match in run.applied:
        echo(f"   applied  {match.transaction_id}  -> {', '.join(match.invoices)}  [{match.rule}]")
        echo(f"            {match.explanation}")
    for proposal in run.review:
        echo(
            f"   review   {proposal.transaction_id}  -> {', '.join(proposal.invoice_numbers)}  "
            f"({proposal.confidence:.2f}) {proposal.explanation}"
        )
    for tx_id in run.unmatched:
        echo(f"   unmatched {tx_id}: {run.result.explain(tx_id).splitlines()[-1].strip()}")
    for inv in pl.invoices.list(org):
        echo(f"   {inv.number}  {inv.status:<15} open {inv.open_amount!s:>12}")
    echo(f"   running it again applies nothing: {len(pl.reconciliation.run(org).applied)} applied")

    step("Reminders: a dunning policy, ticked on a few simulated days")
    demo_reminders(pl, org, clock, echo)

    step("Receipts and notices for what was paid")
    report = pl.outbox.dispatch()
    echo(f"   dispatched {len(report.sent)} messages")
    for message in pl.outbox.list(org, kind="receipt") + pl.outbox.list(org, kind="payment_notice"):
        echo(
            f"   {message.kind:<15} {message.channel_kind:<5} to {message.recipient:<34} "
            f"{message.status}"
        )

    demo_einvoices(
        pl, org, pl.invoices.get(org, approved.id), echo, directory=directory / "einvoices"
    )
    demo_peppol(url, clock, org, echo, secret=secret)

    step("Customer credit: a payment larger than what was open")
    demo_credit(pl, org, echo)
    demo_payouts(url, clock, org, echo, directory, secret=secret)
    open_total = Money.sum((i.open_amount for i in pl.invoices.list(org)), org.currency)

    step("The merchant's desk: what is unpaid, what to review, what to do today")
    demo_desk(pl, org, echo)
    echo("")
    echo(f"Open receivables: {open_total}.  Data kept in {url}")
    _pages_to_open(url, secret, secret_file, org, echo)
    return pl


def _pages_to_open(
    url: str, secret: str, secret_file: Path, org: Organization, echo: Callable[[str], None]
) -> None:
    """On the real clock (the story's links are paid, cancelled or expired by now, and its
    quotes out of date): an open invoice to pay, a quote to approve, a portal with an open
    invoice; printed with the command that serves them."""
    echo("")
    echo("== Pages to open: served with the command below, on today's date")
    live = Paylink.open(url, base_url=DEFAULT_BASE_URL, secret=secret)
    try:
        marie, john, brasserie = (
            next(c for c in live.customers.list(org) if c.name == name)
            for name in ("Marie Peeters", "John Smith", "Brasserie du Parc SA")
        )
        service = Line(description="Winter tyres fitted", quantity="4", unit_price="25.00",
                       vat_rate="21")  # fmt: skip
        invoice = live.invoices.issue(org, marie, lines=[service])
        link = live.links.create(invoice)
        quote = live.quotes.send(
            live.quotes.create(
                org,
                john,
                lines=[Line(description="Timing belt", quantity="1", unit_price="420.00",
                            vat_rate="21")],
            )
        )  # fmt: skip
        live.invoices.issue(
            org,
            brasserie,
            lines=[Line(description="Fleet check", quantity="3", unit_price="35.00",
                        vat_rate="6")],
        )  # fmt: skip
        echo(f"   pay invoice {invoice.number} ({invoice.total}): {link.url}")
        echo(f"   approve quote {quote.number} ({quote.total}): {live.quotes.url(quote)}")
        echo(f"   {brasserie.name}'s portal: {live.portal.url(brasserie)}")
        serve = f"paylink serve --db {_shown(url)} --secret-file {secret_file}"
        echo(f"   serve them with: {serve}")
        echo(f"   (at {live.base_url}; the secret in {secret_file} rebuilds the demo's URLs)")
    finally:
        live.close()

"""``pl.links`` (payment links) and ``pl.portal`` (the customer portal)."""

from __future__ import annotations

import builtins
import datetime as dt
import secrets
from collections.abc import Sequence
from decimal import Decimal

from .. import references
from ..documents import Invoice
from ..exceptions import NotFound, StateError, ValidationError
from ..links import LinkEvent, PaymentLink, advance
from ..money import Money
from ..parties import Customer, Organization
from ..payments import Payment
from ..providers import RefreshReport
from ..store import documents as doc_queries
from ..store import links as q
from ..store.organizations import get_customer, get_organization
from ..store.schema import messages as messages_table
from ._base import Resource, Unit, new_id

__all__ = ["Links", "Portal", "new_token"]


def new_token() -> str:
    """An unguessable URL token: 192 random bits, URL-safe (32 characters)."""
    return secrets.token_urlsafe(24)


def _request_reference(unit: Unit, org: Organization) -> str:
    """A structured reference for a link that is not one invoice's (quick request, pay-all).

    Drawn from a series of its own; OGMs start with 9 so they never collide with the
    references made from invoice numbers (which start with the year).
    """
    seq = doc_queries.next_in_series(unit.conn, org.id, "payment_request")
    if org.reference_scheme == "ogm":
        return str(references.ogm(f"9{seq:09d}"))
    return str(references.rf(f"PR{seq}"))


def mark_link(
    unit: Unit, link: PaymentLink, status: str, *, source: str, detail: str = ""
) -> PaymentLink:
    """Move ``link`` forward to ``status`` inside ``unit``; a move back is ignored.

    Fires ``paylink_link_status_changed`` after the commit when the link moved.
    """
    moved = advance(link, status, at=unit.now, source=source, detail=detail)
    if moved is None:
        return link
    q.update_link(unit.conn, link, moved, unit.now)
    unit.emit(
        "link_status_changed",
        organization=unit.organization(link.organization_id),
        link=moved,
        old_status=link.status,
        new_status=moved.status,
    )
    return moved


def close_paid_links(unit: Unit, invoice: Invoice, base_url: str, *, source: str) -> None:
    """Once ``invoice`` is paid, its links (and pay-all links whose invoices are all paid) are."""
    for link in q.links_settling(unit.conn, invoice.id, base_url):
        if link.invoice_id is None:
            others = [
                doc_queries.get_document(unit.conn, None, i, "invoice") for i in link.invoice_ids
            ]
            if any(isinstance(o, Invoice) and o.open_amount.amount > 0 for o in others):
                continue
        mark_link(unit, link, "paid", source=source)


def cancel_links_of(unit: Unit, invoice: Invoice, base_url: str) -> None:
    """A cancelled invoice's own link is cancelled; pay-all links that include it too."""
    for link in q.links_settling(unit.conn, invoice.id, base_url):
        mark_link(
            unit, link, "cancelled", source="api", detail=f"invoice {invoice.number} cancelled"
        )


class Links(Resource):
    """Payment links: one URL per invoice (or quick request) whose status you can follow."""

    @property
    def _base(self) -> str:
        return self._ctx.base_url

    def create(
        self, invoice: Invoice | str, *, expires_at: dt.datetime | None = None
    ) -> PaymentLink:
        """The invoice's payment link: created on first call, the same active link afterwards.

        An invoice has one active link at a time; after it was cancelled or expired, a new
        one is made. Only an issued invoice with money owed gets a link.
        """
        with self._ctx.unit() as unit:
            doc = doc_queries.get_document(
                unit.conn, None, invoice if isinstance(invoice, str) else invoice.id, "invoice"
            )
            assert isinstance(doc, Invoice)
            existing = q.active_for_invoice(unit.conn, doc.id, self._base)
            if existing is not None:
                return existing
            if doc.status not in ("issued", "partially_paid"):
                raise StateError(
                    f"invoice {doc.number or doc.id} is {doc.status}; only an issued invoice "
                    "with money owed gets a payment link"
                )
            return self._insert(
                unit,
                organization_id=doc.organization_id,
                amount=doc.open_amount,
                invoice_id=doc.id,
                customer_id=doc.customer_id,
                reference=str(doc.reference) if doc.reference else None,
                description=f"Invoice {doc.number}",
                expires_at=expires_at,
            )

    def _insert(self, unit: Unit, **fields: object) -> PaymentLink:
        token = new_token()
        link = PaymentLink(
            id=new_id("lnk"),
            token=token,
            url=f"{self._base}/pay/{token}",
            created_at=unit.now,
            history=(LinkEvent(unit.now, "created", "api"),),
            **fields,  # type: ignore[arg-type]
        )
        q.insert_link(unit.conn, link, unit.now)
        return link

    def request(
        self,
        org: Organization | str,
        customer: Customer | str | None,
        *,
        amount: Money | str | Decimal,
        description: str,
        reference: str | None = None,
        expires_at: dt.datetime | None = None,
    ) -> PaymentLink:
        """A quick payment request: a link for an amount, without an invoice.

        ``reference`` (OGM or RF) is checked; without one, a new structured reference is made
        so the bank transfer can be matched.
        """
        if not str(description).strip():
            raise ValidationError("expected a description of what is paid", field="description")
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, org)
            cust_id = self._customer_id(unit.conn, organization.id, customer) if customer else None
            money = amount if isinstance(amount, Money) else Money.of(amount, organization.currency)
            if money.amount <= 0:
                raise ValidationError(f"expected a positive amount, got {money}", field="amount")
            ref = (
                str(references.check(reference))
                if reference
                else _request_reference(unit, organization)
            )
            return self._insert(
                unit,
                organization_id=organization.id,
                amount=money,
                customer_id=cust_id,
                reference=ref,
                description=str(description).strip(),
                expires_at=expires_at,
            )

    def pay_all(self, customer: Customer) -> PaymentLink:
        """One link for all the customer's open invoices (oldest due first); a payment through
        it is allocated over them in that order."""
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, customer.organization_id)
            docs = doc_queries.list_documents(
                unit.conn,
                organization.id,
                "invoice",
                customer_id=customer.id,
                statuses=["issued", "partially_paid"],
            )
            invoices = sorted(
                (d for d in docs if isinstance(d, Invoice) and d.open_amount.amount > 0),
                key=lambda i: (i.due_date or dt.date.max, i.number or ""),
            )
            if not invoices:
                raise StateError(f"customer {customer.name} has no open invoices")
            currencies = {i.currency for i in invoices}
            if len(currencies) > 1:
                raise ValidationError(
                    "the open invoices are in several currencies; pay them one by one",
                    field="currency",
                )
            return self._insert(
                unit,
                organization_id=organization.id,
                amount=Money.sum((i.open_amount for i in invoices), invoices[0].currency),
                invoice_ids=tuple(i.id for i in invoices),
                customer_id=customer.id,
                reference=_request_reference(unit, organization),
                description=", ".join(f"Invoice {i.number}" for i in invoices),
            )

    def amount_due(self, link: PaymentLink) -> Money:
        """What paying through ``link`` costs now: the open amount of its invoice(s), which
        partial payments and credit notes reduce and charged reminder fees raise, or the
        requested amount."""
        if not link.settles:
            return link.amount
        with self._ctx.store.transaction() as conn:
            docs = [doc_queries.get_document(conn, None, i, "invoice") for i in link.settles]
        return Money.sum(
            (d.open_amount for d in docs if isinstance(d, Invoice)), link.amount.currency
        )

    def get(self, link_id: str) -> PaymentLink:
        """The link with this id, with its full history."""
        with self._ctx.store.transaction() as conn:
            return q.get_link(conn, link_id, self._base)

    def get_by_token(self, token: str) -> PaymentLink | None:
        """The link whose URL carries ``token``, or None."""
        with self._ctx.store.transaction() as conn:
            return q.find_by_token(conn, token, self._base)

    def list(
        self,
        org: Organization | str,
        *,
        invoice: Invoice | str | None = None,
        customer: Customer | str | None = None,
        status: str | Sequence[str] | None = None,
    ) -> builtins.list[PaymentLink]:
        """The organization's links, oldest first."""
        statuses = [status] if isinstance(status, str) else status
        with self._ctx.store.transaction() as conn:
            return q.list_links(
                conn,
                self._org_id(org),
                self._base,
                invoice_id=invoice if isinstance(invoice, str) or invoice is None else invoice.id,
                customer_id=customer
                if isinstance(customer, str) or customer is None
                else customer.id,
                statuses=statuses,
            )

    def mark(
        self, link: PaymentLink | str, status: str, *, source: str, detail: str = ""
    ) -> PaymentLink:
        """Record a status change from ``source`` (``"web"``, ``"email"``, a provider name).

        Statuses only move forward; a repeated or late status returns the link unchanged.
        ``paid`` is not set here: it follows from a recorded payment (:meth:`settle`).
        """
        if status == "paid":
            raise ValidationError("a link becomes paid when its payment is recorded; use settle()")
        with self._ctx.unit() as unit:
            current = q.get_link(
                unit.conn, link if isinstance(link, str) else link.id, self._base, for_update=True
            )
            return mark_link(unit, current, status, source=source, detail=detail)

    def cancel(self, link: PaymentLink | str) -> PaymentLink:
        """Cancel a link that is not paid; its URL then answers like an unknown one."""
        with self._ctx.unit() as unit:
            current = q.get_link(
                unit.conn, link if isinstance(link, str) else link.id, self._base, for_update=True
            )
            if current.status == "paid":
                raise StateError("a paid link cannot be cancelled; refund the payment instead")
            return mark_link(unit, current, "cancelled", source="api")

    def settle(
        self,
        link: PaymentLink | str,
        *,
        amount: Money | None = None,
        method: str,
        provider: str | None = None,
        provider_reference: str | None = None,
        received_on: dt.date | None = None,
    ) -> Payment:
        """Record the payment that came through ``link`` (default: what it costs now,
        :meth:`amount_due`) and mark it paid.

        The payment is allocated over the invoices the link settles (none for a quick request:
        it stays as customer credit); with ``provider_reference`` it is recorded once only.
        """
        from .payments import apply_payment

        with self._ctx.unit() as unit:
            current = q.get_link(
                unit.conn, link if isinstance(link, str) else link.id, self._base, for_update=True
            )
            if current.status in ("expired", "cancelled"):
                raise StateError(f"the link is {current.status}")
            org = self._org(unit.conn, current.organization_id)
            invoices = []
            for invoice_id in current.settles:
                doc = doc_queries.get_document(unit.conn, org.id, invoice_id, "invoice")
                assert isinstance(doc, Invoice)
                if doc.open_amount.amount > 0:
                    invoices.append(doc)
            if amount is None:
                # What is owed now (partial payments, credit notes and charged reminder fees
                # moved it since the link was made), or the requested amount.
                amount = (
                    Money.sum((i.open_amount for i in invoices), current.amount.currency)
                    if current.settles
                    else current.amount
                )
            payment = apply_payment(
                unit,
                org.id,
                invoices,
                amount,
                received_on=received_on or self._ctx.today(org, unit.now),
                method=method,
                provider=provider,
                provider_reference=provider_reference,
                note=current.description,
                customer_id=current.customer_id,
                base_url=self._base,
            )
            mark_link(unit, q.get_link(unit.conn, current.id, self._base), "paid", source=method)
            return payment

    # --- card and wallet providers (issue 4) -----------------------------------------------
    def refresh_pending(self, older_than: dt.timedelta = dt.timedelta(minutes=15)) -> RefreshReport:
        """The janitor: ask the providers about links ``in_progress`` for longer than
        ``older_than`` whose webhook never came; see
        :meth:`paylink.service.providers.Providers.refresh_pending`."""
        return self._pl.providers.refresh_pending(older_than)


class Portal(Resource):
    """The customer portal: one unguessable URL per customer listing all their invoices.

    With ``require_code``, the URL alone is not enough: the page asks for a one-time code sent
    by SMS to the customer's phone (through the organization's SMS channel) before it shows
    anything. The web app makes and checks the codes (:mod:`paylink.web`).
    """

    _KINDS = ("portal", "portal_code")

    def url(self, customer: Customer, *, require_code: bool = False) -> str:
        """The customer's portal URL (made on first call, the same afterwards).

        Asking for the other mode (with or without a code) replaces the URL: the old one stops
        working, so a link shared without a code cannot bypass one.
        """
        kind = "portal_code" if require_code else "portal"
        other = "portal" if require_code else "portal_code"
        with self._ctx.unit() as unit:
            self._customer_id(unit.conn, customer.organization_id, customer)
            if require_code and not customer.phone:
                raise ValidationError(
                    f"customer {customer.name} has no phone number to receive a code by SMS",
                    field="phone",
                )
            token = q.access_token_for(unit.conn, kind, customer.id)
            if token is None:
                q.revoke_access_tokens(unit.conn, other, customer.id)
                token = new_token()
                q.create_access_token(
                    unit.conn,
                    token=token,
                    org_id=customer.organization_id,
                    kind=kind,
                    object_id=customer.id,
                    now=unit.now,
                )
        return f"{self._ctx.base_url}/portal/{token}"

    def revoke(self, customer: Customer) -> None:
        """Invalidate the customer's portal URL; the next :meth:`url` makes a new one."""
        with self._ctx.unit() as unit:
            for kind in self._KINDS:
                q.revoke_access_tokens(unit.conn, kind, customer.id)

    def access(self, token: str) -> tuple[Customer, bool] | None:
        """The customer a portal token opens and whether a one-time code is required, or None."""
        with self._ctx.store.transaction() as conn:
            found = q.resolve_access_token_kind(conn, token, self._KINDS, self._ctx.clock.now())
            if found is None:
                return None
            try:
                return get_customer(conn, found[0], found[1]), found[2] == "portal_code"
            except NotFound:
                return None

    def customer_for(self, token: str) -> Customer | None:
        """The customer a portal token opens, or None."""
        found = self.access(token)
        return found[0] if found else None

    def send_code(self, customer: Customer, code: str) -> str:
        """Send ``code`` to the customer's phone by SMS, now; return the number, masked."""
        from .messages import queue_message

        if not customer.phone:
            raise ValidationError(f"customer {customer.name} has no phone number", field="phone")
        with self._ctx.unit() as unit:
            organization = get_organization(unit.conn, customer.organization_id)
            from ..render import message_variables

            variables = message_variables(
                language=customer.language, organization=organization, customer=customer, sms=True
            )
            variables["code"] = code
            message = queue_message(
                unit,
                organization=organization,
                kind="portal_code",
                channel_kind="sms",
                recipient=customer.phone,
                language=customer.language,
                variables=variables,
                customer=customer,
            )
            if message.status == "queued":
                # The customer asked for it just now: quiet hours do not apply.
                unit.conn.execute(
                    messages_table.update()
                    .where(messages_table.c.id == message.id)
                    .values(next_attempt_at=unit.now)
                )
        self._pl.outbox.dispatch()
        return f"…{customer.phone[-3:]}"

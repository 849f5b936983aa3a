"""``pl.links`` (payment links) and ``pl.portal`` (the customer portal)."""

from __future__ import annotations

import builtins
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from decimal import Decimal

from .. import references
from ..documents import Invoice
from ..exceptions import NotFound, StateError, ValidationError
from ..links import PaymentLink
from ..money import Money
from ..parties import Customer, Organization
from ..payments import Payment
from ..providers import RefreshReport
from ..render import message_variables
from ..store import documents as doc_queries
from ..store import links as q
from ..store import messages as message_queries
from ..store import portal_codes as code_queries
from ..store.organizations import get_customer, get_organization
from ._base import Resource, new_id
from ._dispatch import Dispatcher
from ._links import insert_link, invoice_link, mark_link, request_reference
from ._messages import queue_message
from ._payments import link_amount_due, settle_link
from ._provider_events import refresh_pending

__all__ = ["Links", "Portal"]


class Links(Resource):
    """Payment links: one URL per invoice (or quick request) whose status you can follow."""

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
            existing = invoice_link(unit, doc, self._ctx.addresses, create=False)
            if existing is not None:
                return existing
            if doc.status not in ("issued", "partially_paid"):
                raise StateError(
                    f"invoice {doc.number or doc.id} is {doc.status}; only an issued invoice "
                    "with money owed gets a payment link"
                )
            made = invoice_link(unit, doc, self._ctx.addresses, expires_at=expires_at)
            assert made is not None
            return made

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
                else request_reference(unit, organization)
            )
            return insert_link(
                unit,
                self._ctx.addresses,
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
            return insert_link(
                unit,
                self._ctx.addresses,
                organization_id=organization.id,
                amount=Money.sum((i.open_amount for i in invoices), invoices[0].currency),
                invoice_ids=tuple(i.id for i in invoices),
                customer_id=customer.id,
                reference=request_reference(unit, organization),
                description=", ".join(f"Invoice {i.number}" for i in invoices),
            )

    def amount_due(self, link: PaymentLink) -> Money:
        """What paying through ``link`` costs now: the open amount of its invoice(s), which
        partial payments and credit notes reduce and charged reminder fees raise, or the
        requested amount."""
        if not link.settles:
            return link.amount
        with self._ctx.unit() as unit:
            return link_amount_due(unit, link)

    def get(self, org: Organization | str, link_id: str | None = None) -> PaymentLink:
        """The organization's link with this id, with its full history; :class:`NotFound
        <paylink.exceptions.NotFound>` when it is another organization's. (``get(link_id)``
        without the organization is deprecated.)"""
        org_id, found_id = self._scoped("links", org, link_id)
        with self._ctx.store.transaction() as conn:
            link = q.get_link(conn, found_id, self._ctx.addresses)
        if org_id is not None and link.organization_id != org_id:
            raise NotFound(f"no payment link {found_id!r}")
        return link

    def get_by_token(self, token: str) -> PaymentLink | None:
        """The link whose URL carries ``token``, or None."""
        with self._ctx.store.transaction() as conn:
            return q.find_by_token(conn, token, self._ctx.addresses)

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
                self._ctx.addresses,
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
                unit.conn,
                link if isinstance(link, str) else link.id,
                self._ctx.addresses,
                for_update=True,
            )
            return mark_link(unit, current, status, source=source, detail=detail)

    def cancel(self, link: PaymentLink | str) -> PaymentLink:
        """Cancel a link that is not paid; its URL then answers like an unknown one."""
        with self._ctx.unit() as unit:
            current = q.get_link(
                unit.conn,
                link if isinstance(link, str) else link.id,
                self._ctx.addresses,
                for_update=True,
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
        The invoices are locked before the link (the lock order), and the unit runs again
        after a deadlock.
        """
        link_id = link if isinstance(link, str) else link.id
        return self._ctx.run(
            lambda unit: settle_link(
                unit,
                link_id,
                self._ctx.addresses,
                amount=amount,
                method=method,
                provider=provider,
                provider_reference=provider_reference,
                received_on=received_on,
            )
        )

    def refresh_pending(self, older_than: dt.timedelta = dt.timedelta(minutes=15)) -> RefreshReport:
        """The janitor: ask the providers about links ``in_progress`` for longer than
        ``older_than`` whose webhook never came; see
        :meth:`paylink.service.providers.Providers.refresh_pending`."""
        return refresh_pending(self._ctx, older_than)


class Portal(Resource):
    """The customer portal: one unguessable URL per customer listing all their invoices.

    With ``require_code``, the URL alone is not enough: the page asks for a one-time code sent
    by SMS to the customer's phone (through the organization's SMS channel) before it shows
    anything. :meth:`request_code` makes and sends a code and :meth:`check_code` checks it;
    both keep their counts in the store, so the limits hold across processes:

    - a link gets at most 3 codes in 10 minutes and 10 a day, a phone 5 an hour and 20 a day,
      an organization 200 an hour (each code is a paid SMS and a message on a phone);
    - a code lives 10 minutes and dies after 5 wrong tries; wrong tries count against the
      codes alive at the time, so a new code always works for the customer who has it.
    """

    _KINDS = ("portal", "portal_code")
    CODE_LIFETIME = dt.timedelta(minutes=10)
    CODE_TRIES = 5
    _SEND_LIMITS = (
        ("link", dt.timedelta(minutes=10), 3),
        ("link", dt.timedelta(days=1), 10),
        ("phone", dt.timedelta(hours=1), 5),
        ("phone", dt.timedelta(days=1), 20),
        ("organization", dt.timedelta(hours=1), 200),
    )

    @staticmethod
    def _code_hash(token: str, code: str) -> str:
        # Keyed with the token, which the store does not keep: a copy of the database alone
        # does not give the codes away.
        return hmac.new(token.encode(), f"code:{code}".encode(), hashlib.sha256).hexdigest()

    def request_code(self, token: str) -> str:
        """Make a one-time code for the portal ``token`` and send it by SMS to the customer;
        return the number, masked.

        Raises :class:`~paylink.exceptions.NotFound` for a token that opens no portal with a
        code, :class:`~paylink.exceptions.StateError` when a sending limit is reached (nothing
        is sent), :class:`~paylink.exceptions.ValidationError` when the customer has no phone.
        """
        with self._ctx.unit() as unit:
            found = q.resolve_access_token_kind(unit.conn, token, ("portal_code",), unit.now)
            if found is None:
                raise NotFound("no portal with a code for this link")
            customer = get_customer(unit.conn, found[0], found[1])
            if not customer.phone:
                raise ValidationError(
                    f"customer {customer.name} has no phone number", field="phone"
                )
            digest = q.access_token_key(unit.conn, token)
            code_queries.lock_token(unit.conn, digest)
            for scope, window, limit in self._SEND_LIMITS:
                keys = {
                    "link": {"token_hash": digest},
                    "phone": {"phone": customer.phone},
                    "organization": {"org_id": customer.organization_id},
                }[scope]
                if code_queries.count_sent(unit.conn, unit.now - window, **keys) >= limit:
                    raise StateError(f"too many codes were asked for this {scope}; try later")
            code = f"{secrets.randbelow(1_000_000):06d}"
            code_queries.add_code(
                unit.conn,
                code_id=new_id("pc"),
                org_id=customer.organization_id,
                token_hash=digest,
                phone=customer.phone,
                code_hash=self._code_hash(token, code),
                now=unit.now,
                expires_at=unit.now + self.CODE_LIFETIME,
            )
        return self.send_code(customer, code)

    def check_code(self, token: str, code: str) -> str:
        """Check a code given for the portal ``token``: ``"ok"`` (the code is used up),
        ``"wrong"``, or ``"too_many"`` when no code is left to try (all expired, used or
        tried too often): the customer asks for a new one."""
        given = "".join(ch for ch in code if ch.isdigit())
        with self._ctx.unit() as unit:
            digest = q.access_token_key(unit.conn, token)
            code_queries.lock_token(unit.conn, digest)
            live = code_queries.live_codes(unit.conn, digest, unit.now, self.CODE_TRIES)
            if not live:
                return "too_many" if given else "wrong"
            expected = self._code_hash(token, given)
            for code_id, code_hash in live:
                if len(given) == 6 and hmac.compare_digest(code_hash, expected):
                    code_queries.mark_used(unit.conn, code_id, unit.now)
                    return "ok"
            code_queries.add_wrong_try(unit.conn, [code_id for code_id, _ in live])
        return "wrong"

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
            token = q.access_token_for(unit.conn, self._ctx.addresses, kind, customer.id)
            if token is None:
                q.revoke_access_tokens(unit.conn, other, customer.id)
                token = q.create_access_token(
                    unit.conn,
                    key=self._ctx.addresses,
                    org_id=customer.organization_id,
                    kind=kind,
                    object_id=customer.id,
                    now=unit.now,
                )
        self._ctx.public_base_url("hand out a portal URL")
        return self._ctx.addresses.url("portal", token)

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
        if not customer.phone:
            raise ValidationError(f"customer {customer.name} has no phone number", field="phone")
        with self._ctx.unit() as unit:
            organization = get_organization(unit.conn, customer.organization_id)
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
                message_queries.send_now(unit.conn, message.id, unit.now)
        Dispatcher(self._ctx).dispatch()
        return f"…{customer.phone[-3:]}"

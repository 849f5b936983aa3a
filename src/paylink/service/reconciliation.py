"""``pl.reconciliation``: match imported bank transactions to what is owed
(``pl.reconciliation.run(org)``), apply the confident matches, keep the rest for review, and
learn from people.

The matching is :mod:`paylink.reconcile`'s pure engine; this module feeds it from the store and
writes its decisions back:

- **open items**: issued invoices (with the customers' known IBANs), purchase invoices not yet
  paid (with the end-to-end ids of the payment files that paid them), and open payment links
  that are not one invoice's (quick requests and pay-all links, by their structured reference);
- **apply**: each confident proposal becomes a payment and its allocations (or settles a
  purchase invoice or a link) in one transaction, inside a savepoint per proposal so one that no
  longer fits (the invoice changed meanwhile) goes to review instead of failing the run;
  invoices move to partially paid or paid, their links close, the events fire;
- **payouts**: a provider's payout credit goes to the payout (the payout rule), never an invoice;
- **review**: the rest waits; ``accept`` applies and teaches, ``reject`` halves the pairing;
- running again changes nothing: applied transactions are no longer unmatched.
"""

from __future__ import annotations

import builtins
import functools
import logging
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

import attrs

from .._gc import collector_paused
from ..documents import Invoice, Line, PurchaseInvoice
from ..exceptions import NotFound, PaylinkError, ValidationError
from ..money import Money
from ..parties import Organization
from ..payments import Payment, allocate_in_order
from ..reconcile import (
    Candidate,
    OpenItem,
    OpenItemIndex,
    Proposal,
    ProposedAllocation,
    Reconciler,
    ReconcileResult,
    Rule,
    as_rule,
    name_tokens,
)
from ..statements.model import BankTransaction
from ..store import Connection, savepoint
from ..store import bank as bank_queries
from ..store import documents as doc_queries
from ..store import links as link_queries
from ..store import organizations as org_queries
from ..store import reconciliation as match_queries
from ._base import Resource, Unit
from ._invoicing import credit_invoice
from ._links import mark_link
from ._match_batch import BatchOutcome, applies_setwise, apply_matches
from ._matching import (
    LINK_ITEM,
    capture_match,
    match_targets,
    open_transaction,
    proposal_from_json,
    proposal_json,
    undo_match,
)
from ._open_items import invoices_read, open_items
from ._payments import apply_payment, lock_invoices
from ._payouts import PAYOUT_ITEM, mark_arrived, open_payouts

__all__ = ["AppliedMatch", "Reconciliation", "ReconciliationRun", "ReviewItem"]

log = logging.getLogger("paylink.service")

_LINK = LINK_ITEM
_REJECTED_FACTOR = 0.5
"""What a person's rejection multiplies the confidence of the same pairing by, next time."""
_APPLY_BATCH = 1000
"""How many plain matches one unit of work applies set-wise (see :mod:`._match_batch`)."""


@attrs.frozen
class AppliedMatch:
    """A proposal that was applied: the transaction, the payment (None for a purchase), what it
    paid, and why."""

    transaction_id: str
    payment_id: str | None
    invoices: tuple[str, ...]
    rule: str
    explanation: str


@attrs.frozen
class ReviewItem:
    """A proposal waiting for a person."""

    transaction: BankTransaction
    proposal: Proposal


@attrs.frozen
class ReconciliationRun:
    """What :meth:`Reconciliation.run` did: the engine's result, what it applied, what waits."""

    result: ReconcileResult
    applied: tuple[AppliedMatch, ...]
    review: tuple[Proposal, ...]
    unmatched: tuple[str, ...]


def _name_key(name: str | None) -> str:
    return " ".join(sorted(name_tokens(name)))


def _invoices_key(proposal: Proposal) -> str:
    return ",".join(sorted(a.invoice_id or a.number for a in proposal.allocations))[:400]


class Reconciliation(Resource):
    """Bank reconciliation against the store."""

    # -- open items ----------------------------------------------------------------------------
    def _open_items(self, conn: Connection, org: Organization) -> list[OpenItem]:
        return open_items(conn, org, self._ctx.addresses)

    def _alias_rule(self, conn: Connection, org_id: str) -> Rule:
        sources = match_queries.alias_sources(conn, org_id)
        aliases = {key: found[0] for key, found in sources.items()}

        def learned_name(tx: BankTransaction, index: OpenItemIndex) -> list[Candidate]:
            """A counterparty name a person confirmed before, with an exact open amount."""
            if not aliases or not tx.is_credit:
                return []
            customer = aliases.get(_name_key(tx.counterparty_name))
            if customer is None:
                return []
            found = index.by_customer_amount(customer, tx.amount)
            taught = sources[_name_key(tx.counterparty_name)][2]
            source = f" (learned from {taught})" if taught else ""
            return [
                Candidate.full(
                    item,
                    index,
                    0.96,
                    f"{tx.counterparty_name!r} was confirmed before as this customer{source}, "
                    f"and {item.number} is open for exactly {tx.amount}",
                )
                for item in found
            ]

        return as_rule(learned_name, 45)

    def _reconciler(
        self, conn: Connection, org_id: str, rules: Iterable[Rule] | None, **settings: Any
    ) -> Reconciler:
        chosen = self._ctx.plugins.match_rules() if rules is None else list(rules)
        chosen.append(self._alias_rule(conn, org_id))
        return Reconciler(chosen, **settings)

    # -- the run -------------------------------------------------------------------------------
    def run(
        self,
        org: Organization | str,
        *,
        apply: bool = True,
        auto_threshold: float = 0.95,
        tolerance: Decimal | str | int = Decimal("0"),
        tolerance_policy: Literal["leave_open", "write_off"] = "leave_open",
        rules: Iterable[Rule] | None = None,
        undoable: bool = False,
    ) -> ReconciliationRun:
        """Reconcile the organization's unmatched transactions against what is open.

        With ``apply`` (the default) confident proposals are applied; the others wait in
        :meth:`review`. ``rules`` replaces the installed rules (the built-ins and the plugins').
        With ``undoable`` each applied match keeps what :meth:`undo` needs (reading those rows
        first costs a run several times its time; payout matches are always undoable)."""
        # reading the run's open items is bulk work too (see paylink._gc)
        with collector_paused(), self._ctx.unit() as unit:
            organization = self._org(unit.conn, org)
            transactions = bank_queries.list_transactions(
                unit.conn, organization.id, statuses=["unmatched", "review"]
            )
            accounts = {tx.id: tx.account_iban or "" for tx in transactions}
            reconciler = self._reconciler(
                unit.conn,
                organization.id,
                rules,
                auto_threshold=auto_threshold,
                tolerance=tolerance,
                tolerance_policy=tolerance_policy,
            )
            # invoices read once: the open items are made of them, applying reuses their lines
            with invoices_read() as invoices:
                items = self._open_items(unit.conn, organization)
            payouts = open_payouts(unit.conn, organization.id)
            # the payout rule runs only when payouts wait for their bank credit
            result = reconciler.reconcile(transactions, items, payouts=payouts or None)
            rejected = match_queries.rejections(unit.conn, organization.id)
            by_id = {tx.id: tx for tx in transactions}
            by_item = {item.number: item for item in items}
            known = {invoice.id: invoice for invoice in invoices}
        applied: list[AppliedMatch] = []
        review: list[Proposal] = []
        to_review: list[tuple[BankTransaction, Proposal]] = []
        unmatched = list(result.unmatched)
        batch: list[tuple[BankTransaction, Proposal]] = []

        def flush() -> None:
            if batch:
                self._apply_batch(organization, list(batch), applied, review, known)
                batch.clear()

        for proposal in result.proposals:
            account = accounts[proposal.transaction_id]
            proposal = self._with_ids(proposal, by_item)
            if (account, proposal.transaction_id, _invoices_key(proposal)) in rejected:
                # A person refused this very pairing: it comes back for review, never applied
                # by itself, with a confidence that says so.
                proposal = attrs.evolve(
                    proposal,
                    confidence=round(proposal.confidence * _REJECTED_FACTOR, 4),
                    auto=False,
                    explanation=f"{proposal.explanation} (confidence lowered: a person "
                    "rejected this pairing before)",
                )
            tx = by_id[proposal.transaction_id]
            if apply and proposal.auto:
                # Plain matches go set-wise, unless the run keeps what an undo needs.
                if not undoable and applies_setwise(tx, proposal):
                    batch.append((tx, proposal))
                    if len(batch) >= _APPLY_BATCH:
                        flush()
                    continue
                # The other shapes, one unit each, in their place in the order.
                flush()
                self._apply_one(organization, tx, proposal, applied, review, keep=undoable)
                continue
            to_review.append((tx, proposal))
            review.append(proposal)
        flush()
        if to_review:

            def keep(unit: Unit) -> None:
                for tx, proposal in to_review:
                    self._keep_for_review(unit, organization.id, tx, proposal)

            self._ctx.run(keep)
        return ReconciliationRun(
            result=result,
            applied=tuple(applied),
            review=tuple(review),
            unmatched=tuple(unmatched),
        )

    def _apply_one(
        self,
        org: Organization,
        tx: BankTransaction,
        proposal: Proposal,
        applied: list[AppliedMatch],
        review: list[Proposal],
        *,
        keep: bool = False,
    ) -> None:
        """Apply one match in a unit of its own: a match that fails (or loses a deadlock and is
        run again) never undoes or repeats the others. With ``keep`` the match keeps what an
        undo needs."""
        done, kept = self._ctx.run(
            functools.partial(self._try_apply, org=org, tx=tx, proposal=proposal, keep=keep)
        )
        if done is not None:
            applied.append(done)
        else:
            review.append(kept)

    def _apply_batch(
        self,
        org: Organization,
        matches: list[tuple[BankTransaction, Proposal]],
        applied: list[AppliedMatch],
        review: list[Proposal],
        known: Mapping[str, Invoice] | None = None,
    ) -> None:
        """Apply plain matches set-wise in one unit (:mod:`._match_batch`). Should the batch
        fail for another reason than a match that no longer fits (those go to review inside
        it), nothing of it stays and its matches are applied one unit each instead.
        ``known``: the invoices the run read, whose lines need no second reading."""
        try:
            work = functools.partial(
                apply_matches, org=org, matches=matches, addresses=self._ctx.addresses, known=known
            )
            outcomes: list[BatchOutcome] = self._ctx.run(work)
        except Exception:
            log.warning(
                "a batch of %d matches failed; applying them one by one",
                len(matches),
                exc_info=True,
            )
            for tx, proposal in matches:
                self._apply_one(org, tx, proposal, applied, review)
            return
        for (tx, proposal), outcome in zip(matches, outcomes, strict=True):
            if outcome.applied:
                applied.append(
                    AppliedMatch(
                        transaction_id=tx.id,
                        payment_id=outcome.payment_id,
                        invoices=tuple(a.number for a in proposal.allocations),
                        rule=proposal.rule,
                        explanation=proposal.explanation,
                    )
                )
            else:
                review.append(outcome.kept)

    def _try_apply(
        self, unit: Unit, org: Organization, tx: BankTransaction, proposal: Proposal, keep: bool
    ) -> tuple[AppliedMatch | None, Proposal]:
        """Apply one proposal inside a savepoint; one that no longer fits (the invoice changed
        meanwhile) is kept for review instead, with the reason."""
        apply = self._apply_undoable if keep else self._apply
        try:
            with savepoint(unit.conn):
                return apply(unit, org, tx, proposal), proposal
        except PaylinkError as exc:
            note = f"{proposal.explanation} (not applied: {exc})"
            kept = attrs.evolve(proposal, auto=False, explanation=note)
            self._keep_for_review(unit, org.id, tx, kept)
            return None, kept

    def _apply_undoable(
        self, unit: Unit, org: Organization, tx: BankTransaction, proposal: Proposal
    ) -> AppliedMatch:
        """Apply ``proposal`` and keep, with the match, what an undo puts back (read before)."""
        captured = capture_match(unit, org.id, tx, proposal, self._ctx.addresses)
        applied = self._apply(unit, org, tx, proposal)
        match_queries.attach_undo(unit.conn, org.id, tx.account_iban or "", tx.id, captured)
        return applied

    @staticmethod
    def _with_ids(proposal: Proposal, by_item: dict[str, OpenItem]) -> Proposal:
        if all(a.invoice_id for a in proposal.allocations):
            return proposal
        allocations = tuple(
            a if a.invoice_id else a._replace(invoice_id=by_item[a.number].invoice_id)
            for a in proposal.allocations
        )
        return attrs.evolve(proposal, allocations=allocations)

    def _apply(
        self, unit: Unit, org: Organization, tx: BankTransaction, proposal: Proposal
    ) -> AppliedMatch:
        account = tx.account_iban or ""
        reference = f"{account}:{tx.id}"
        payment: Payment | None = None
        ids = [a.invoice_id or "" for a in proposal.allocations]
        if ids and ids[0].startswith(PAYOUT_ITEM):
            mark_arrived(unit, org.id, ids[0][len(PAYOUT_ITEM) :], tx)
        elif tx.amount.amount < 0:
            for allocation in proposal.allocations:
                purchase = doc_queries.get_purchase(unit.conn, org.id, allocation.invoice_id or "")
                assert purchase.paid_amount is not None
                paid = purchase.paid_amount + allocation.amount
                status = "paid" if paid >= purchase.amount else purchase.status
                doc_queries.update_purchase(
                    unit.conn, attrs.evolve(purchase, paid_amount=paid, status=status)
                )
        elif len(ids) == 1 and ids[0].startswith(_LINK):
            link = link_queries.get_link(unit.conn, ids[0][len(_LINK) :], self._ctx.addresses)
            invoices = [
                d for d in lock_invoices(unit, org.id, link.settles) if d.open_amount.amount > 0
            ]
            payment = apply_payment(
                unit,
                org.id,
                invoices,
                tx.amount,
                received_on=tx.booking_date,
                method="bank_transfer",
                provider="bank",
                provider_reference=reference,
                note=proposal.rule,
                addresses=self._ctx.addresses,
                customer_id=link.customer_id,
                locked=True,
            )
            mark_link(
                unit,
                link_queries.get_link(unit.conn, link.id, self._ctx.addresses),
                "paid",
                source="bank_transfer",
            )
        else:
            invoices = lock_invoices(unit, org.id, ids)
            payment = apply_payment(
                unit,
                org.id,
                invoices,
                tx.amount,
                received_on=tx.booking_date,
                method="bank_transfer",
                provider="bank",
                provider_reference=reference,
                note=proposal.rule,
                addresses=self._ctx.addresses,
                amounts=[a.amount for a in proposal.allocations],
                locked=True,
            )
            if proposal.write_off is not None and proposal.write_off.amount > 0:
                current = doc_queries.get_document(unit.conn, org.id, ids[0], "invoice")
                assert isinstance(current, Invoice)
                credit_invoice(
                    unit,
                    current,
                    [
                        Line(
                            description="Bank charges written off",
                            quantity="1",
                            unit_price=proposal.write_off.amount,
                            vat_rate="0",
                        )
                    ],
                    f"written off by reconciliation of {tx.id}",
                    self._ctx.addresses,
                )
        bank_queries.set_status(unit.conn, org.id, account, tx.id, "matched")
        self._record(unit, org.id, account, tx.id, "applied", proposal, payment)
        return AppliedMatch(
            transaction_id=tx.id,
            payment_id=payment.id if payment else None,
            invoices=tuple(a.number for a in proposal.allocations),
            rule=proposal.rule,
            explanation=proposal.explanation,
        )

    def _record(
        self,
        unit: Unit,
        org_id: str,
        account: str,
        tx_id: str,
        status: str,
        proposal: Proposal,
        payment: Payment | None,
    ) -> None:
        match_queries.record_match(
            unit.conn,
            org_id=org_id,
            account=account,
            transaction_id=tx_id,
            status=status,
            rule=proposal.rule,
            confidence=proposal.confidence,
            proposal=proposal_json(proposal),
            payment_id=payment.id if payment else None,
            now=unit.now,
        )

    def _keep_for_review(
        self, unit: Unit, org_id: str, tx: BankTransaction, proposal: Proposal
    ) -> None:
        account = tx.account_iban or ""
        bank_queries.set_status(unit.conn, org_id, account, tx.id, "review")
        self._record(unit, org_id, account, tx.id, "review", proposal, None)

    # -- people --------------------------------------------------------------------------------
    def review(self, org: Organization | str) -> builtins.list[ReviewItem]:
        """The proposals waiting for a person, oldest first."""
        with self._ctx.store.transaction() as conn:
            org_id = self._org_id(org)
            rows = match_queries.list_matches(conn, org_id, status="review")
            txs = {
                (t.account_iban or "", t.id): t
                for t in bank_queries.list_transactions(conn, org_id, statuses=["review"])
            }
        return [
            ReviewItem(txs[(r.account, r.transaction_id)], proposal_from_json(r.proposal))
            for r in rows
            if (r.account, r.transaction_id) in txs
        ]

    def _pending(self, conn: Connection, org_id: str, transaction_id: str) -> Any:
        row = match_queries.pending_match(conn, org_id, transaction_id)
        if row is None:
            raise NotFound(f"no proposal waits for review for transaction {transaction_id!r}")
        return row

    def accept(self, org: Organization | str, transaction_id: str) -> AppliedMatch:
        """Apply a proposal waiting for review, and learn from it: the counterparty's IBAN and
        name now identify that customer in later runs."""

        def work(unit: Unit) -> AppliedMatch:
            organization = self._org(unit.conn, org)
            row = self._pending(unit.conn, organization.id, transaction_id)
            proposal = proposal_from_json(row.proposal)
            tx = next(
                t
                for t in bank_queries.list_transactions(
                    unit.conn, organization.id, statuses=["review"], account=row.account or None
                )
                if t.id == transaction_id
            )
            applied = self._apply_undoable(unit, organization, tx, proposal)
            source = f"the accepted proposal for transaction {tx.id} ({unit.now.date()})"
            self._learn(unit, organization.id, tx, proposal, source)
            return applied

        return self._ctx.run(work)

    def _learn(
        self, unit: Unit, org_id: str, tx: BankTransaction, proposal: Proposal, source: str = ""
    ) -> None:
        first = proposal.allocations[0].invoice_id or ""
        if tx.amount.amount <= 0 or first.startswith(PAYOUT_ITEM):
            return  # a payer teaches the matcher; a provider's payout has no customer
        if first.startswith(_LINK):
            link = link_queries.get_link(unit.conn, first[len(_LINK) :], self._ctx.addresses)
            customer_id = link.customer_id
        else:
            doc = doc_queries.get_document(unit.conn, org_id, first, "invoice")
            customer_id = doc.customer_id
        if not customer_id:
            return
        customer = org_queries.get_customer(unit.conn, org_id, customer_id)
        if tx.counterparty_iban:
            org_queries.add_ibans(unit.conn, customer, [tx.counterparty_iban])
        key = _name_key(tx.counterparty_name)
        if key and key != _name_key(customer.name):
            match_queries.add_alias(
                unit.conn, org_id, customer_id, key, tx.counterparty_name or "", unit.now, source
            )

    def reject(self, org: Organization | str, transaction_id: str) -> None:
        """Refuse a proposal: the transaction is unmatched again, and the next run proposes
        the same pairing for review only, with its confidence halved and the reason in its
        explanation (never applied by itself)."""
        with self._ctx.unit() as unit:
            org_id = self._org_id(org)
            row = self._pending(unit.conn, org_id, transaction_id)
            proposal = proposal_from_json(row.proposal)
            match_queries.add_rejection(
                unit.conn, org_id, row.account, transaction_id, _invoices_key(proposal), unit.now
            )
            match_queries.delete_match(unit.conn, org_id, row.account, transaction_id)
            bank_queries.set_status(unit.conn, org_id, row.account, transaction_id, "unmatched")

    def match(
        self,
        org: Organization | str,
        transaction: BankTransaction | str,
        invoices: Invoice | PurchaseInvoice | str | Sequence[Invoice | PurchaseInvoice | str],
        *,
        amounts: Sequence[Money | str | Decimal] | None = None,
    ) -> AppliedMatch:
        """Match an unmatched (or waiting) transaction to invoices by hand, in one unit of work.

        ``invoices`` are invoices (objects, ids or numbers) for a credit, purchase invoices
        (objects or ids) for a debit. Without ``amounts`` the transaction goes to them in the
        order given, each up to its open amount; with ``amounts`` (one per invoice) each gets
        its amount. What a credit brings beyond them becomes the customer's credit. The match
        teaches like an accepted proposal: the payer's IBAN and name now identify the
        customer. Raises NotFound for an unknown or already matched transaction,
        ValidationError when an amount does not fit."""
        items = (
            [invoices] if isinstance(invoices, (Invoice, PurchaseInvoice, str)) else list(invoices)
        )
        if not items:
            raise ValidationError("expected at least one invoice", field="invoices")
        if amounts is not None and len(amounts) != len(items):
            raise ValidationError("expected one amount per invoice", field="amounts")
        tx_id = transaction if isinstance(transaction, str) else transaction.id

        def work(unit: Unit) -> AppliedMatch:
            organization = self._org(unit.conn, org)
            tx = open_transaction(unit.conn, organization.id, tx_id)
            targets = match_targets(unit.conn, organization.id, tx, items)
            currency = tx.amount.currency
            if amounts is None:
                allocations, _excess = allocate_in_order(
                    abs(tx.amount), [(number, due) for number, due, _ in targets]
                )
                parts = {a.invoice_id: a.amount for a in allocations}
                chosen = [(n, parts[n], i) for n, _due, i in targets if n in parts]
            else:
                chosen = []
                for (number, due, invoice_id), raw in zip(targets, amounts, strict=True):
                    part = raw if isinstance(raw, Money) else Money.of(raw, currency)
                    if part.amount <= 0 or part > due:
                        raise ValidationError(
                            f"{part} does not fit {number} ({due} open)", field="amounts"
                        )
                    chosen.append((number, part, invoice_id))
            if not chosen:
                raise ValidationError("nothing is open on these invoices", field="invoices")
            if Money.sum((c[1] for c in chosen), currency) > abs(tx.amount):
                raise ValidationError("the amounts exceed the transaction", field="amounts")
            proposal = Proposal(
                transaction_id=tx.id,
                transaction_amount=tx.amount,
                allocations=tuple(ProposedAllocation(n, a, i) for n, a, i in chosen),
                rule="manual",
                confidence=1.0,
                explanation=f"matched by hand to {', '.join(c[0] for c in chosen)}",
                auto=False,
            )
            applied = self._apply_undoable(unit, organization, tx, proposal)
            source = f"a manual match of transaction {tx.id} ({unit.now.date()})"
            self._learn(unit, organization.id, tx, proposal, source)
            return applied

        return self._ctx.run(work)

    def undo(self, org: Organization | str, transaction_id: str) -> None:
        """Undo the match of a transaction, made by hand (:meth:`match`), by accepting a
        proposal (:meth:`accept`) or by an ``undoable`` run: the invoices or purchase
        invoices, their payment links, the transaction and its recorded decision, the payer
        names and IBANs it taught and the credit it gave are put back as they were before it,
        and its payment is deleted; a payout match makes the payout wait for its credit again.

        Raises NotFound when the transaction has no applied match, and StateError when the
        match cannot be undone exactly: a run applied it without ``undoable``, it wrote bank
        charges off with a credit note (its number is taken for good), or money moved since
        (another payment on its invoices, a refund of its payment, its credit spent)."""

        def work(unit: Unit) -> None:
            undo_match(unit, self._org_id(org), transaction_id)

        self._ctx.run(work)

    def learned(self, org: Organization | str) -> builtins.list[tuple[str, str, str]]:
        """The payer names people confirmed: ``(name as on the bank line, customer id, the
        decision that taught it)``, by name."""
        with self._ctx.store.transaction() as conn:
            found = match_queries.alias_sources(conn, self._org_id(org))
        return sorted((name, cid, source) for cid, name, source in found.values())

    def matches(
        self, org: Organization | str, *, status: str | None = None
    ) -> builtins.list[tuple[str, str, Proposal]]:
        """Every recorded decision: ``(transaction id, status, proposal)``."""
        with self._ctx.store.transaction() as conn:
            rows = match_queries.list_matches(conn, self._org_id(org), status=status)
        return [(r.transaction_id, r.status, proposal_from_json(r.proposal)) for r in rows]

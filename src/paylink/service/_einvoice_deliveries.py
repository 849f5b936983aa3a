"""Lower floor: e-invoice deliveries (their status moves) and the participant directory cache.

A delivery's status only moves forward (queued -> sent -> delivered | refused); each move is
written with its history entry and fires ``paylink_einvoice_status_changed`` after the commit.
Participant lookups are cached in the store per network: a positive answer for
:data:`FOUND_TTL`, a negative one for :data:`NOT_FOUND_TTL` (a buyer who joins Peppol is seen
within the hour).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from ..documents import CreditNote, Invoice
from ..exceptions import NotFound
from ..networks import DeliveryReport, DeliveryState, EInvoiceDelivery, NetworkAccount, Participant
from ..parties import PartyId
from ..store import documents as doc_queries
from ..store import networks as q
from ._base import Context, Unit

__all__ = ["FOUND_TTL", "NOT_FOUND_TTL", "apply_report", "lookup", "move"]

FOUND_TTL = dt.timedelta(hours=24)
"""How long a participant found on the network is taken as reachable without asking again."""

NOT_FOUND_TTL = dt.timedelta(hours=1)
"""How long a participant the network does not know is taken as unreachable."""


def lookup(ctx: Context, account: NetworkAccount, party: PartyId) -> Participant | None:
    """Whether ``party`` is reachable over ``account``'s network: from the cache while its
    answer holds, else asked to the network (and remembered)."""
    now = ctx.clock.now()
    with ctx.store.transaction() as conn:
        hit, participant = q.cached_participant(conn, account.network, party, now)
    if hit:
        return participant
    answer: Participant | None = ctx.networks.open(account).lookup(party.scheme, party.value)
    ttl = FOUND_TTL if answer is not None else NOT_FOUND_TTL
    with ctx.unit() as unit:
        q.cache_participant(unit.conn, account.network, party, answer, unit.now + ttl)
    return answer


def _document(unit: Unit, delivery: EInvoiceDelivery) -> Invoice | CreditNote:
    for kind in ("invoice", "credit_note"):
        try:
            found = doc_queries.get_document(
                unit.conn, delivery.organization_id, delivery.document_id, kind
            )
        except NotFound:
            continue
        assert isinstance(found, Invoice | CreditNote)
        return found
    raise NotFound(f"no invoice or credit note {delivery.document_id!r}")


def move(
    unit: Unit,
    delivery: EInvoiceDelivery,
    status: DeliveryState,
    *,
    reason: str | None = None,
    detail: str = "",
    network_id: str | None = None,
    new: bool = False,
) -> EInvoiceDelivery:
    """Record ``delivery`` at ``status`` (inserted when ``new``), with its history entry, and
    queue the status event. The caller checked the move goes forward."""
    moved = attrs.evolve(
        delivery,
        status=status,
        reason=reason if status == "refused" else delivery.reason,
        network_id=network_id or delivery.network_id,
        history=(*delivery.history, (status, unit.now, detail or (reason or ""))),
    )
    if new:
        q.insert_delivery(unit.conn, moved, unit.now)
    else:
        q.update_delivery(unit.conn, moved, unit.now)
    _emit(unit, moved, None if new else delivery.status)
    return moved


def _emit(unit: Unit, delivery: EInvoiceDelivery, old_status: str | None) -> None:
    kwargs: dict[str, Any] = {
        "organization": unit.organization(delivery.organization_id),
        "invoice": _document(unit, delivery),
        "delivery": delivery,
        "old_status": old_status,
        "new_status": delivery.status,
    }
    unit.emit("einvoice_status_changed", **kwargs)


def apply_report(ctx: Context, network: str, report: DeliveryReport) -> EInvoiceDelivery | None:
    """Apply what the network reports about one of its documents; the delivery after it
    (unchanged when the report does not move it forward), or ``None`` when no delivery has
    that network id."""

    def work(unit: Unit) -> EInvoiceDelivery | None:
        found = q.delivery_by_network_id(unit.conn, network, report.network_id, for_update=True)
        if found is None or not report.moves_from(found.status):
            return found
        return move(
            unit,
            found,
            report.status,
            reason=report.reason,
            detail=report.network_status or report.status,
        )

    return ctx.run(work)

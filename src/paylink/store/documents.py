"""Queries for quotes, invoices, credit notes, purchase invoices and number series."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from .. import references
from ..documents import CreditNote, Invoice, Line, PurchaseInvoice, Quote
from ..exceptions import NotFound
from ..money import Money
from ..parties import Supplier
from ..references import Reference
from ._bulk import execute_many
from .schema import (
    customer_ibans,
    customers,
    document_lines,
    documents,
    number_series,
    purchase_files,
    purchase_invoices,
    suppliers,
)

Document = Quote | Invoice | CreditNote


_SERIES_INSERT = {
    name: dialect.insert(number_series)
    .values(
        organization_id=sa.bindparam("p_org"),
        series=sa.bindparam("p_series"),
        next_value=1,
    )
    .on_conflict_do_nothing(index_elements=["organization_id", "series"])
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_SERIES_DRAW = (
    number_series.update()
    .where(
        number_series.c.organization_id == sa.bindparam("p_org"),
        number_series.c.series == sa.bindparam("p_series"),
    )
    .values(next_value=number_series.c.next_value + 1)
    .returning(number_series.c.next_value)
)


def next_in_series(conn: Connection, org_id: str, series: str) -> int:
    """Draw the next position of a number series, inside the caller's transaction.

    The ``UPDATE … RETURNING`` takes the series row's lock until the transaction ends, so
    concurrent issuers queue on it and each gets the next value; a transaction that fails
    rolls its increment back, so numbers stay gapless.
    """
    params = {"p_org": org_id, "p_series": series}
    value = conn.execute(_SERIES_DRAW, params).scalar()
    if value is None:  # first number of this series: create its counter, then draw
        conn.execute(_SERIES_INSERT[conn.dialect.name], params)
        value = conn.execute(_SERIES_DRAW, params).scalar_one()
    return int(value) - 1


def _kind(doc: Document) -> str:
    if isinstance(doc, Quote):
        return "quote"
    if isinstance(doc, CreditNote):
        return "credit_note"
    return "invoice"


def _document_values(doc: Document) -> dict[str, Any]:
    totals = doc.totals
    values: dict[str, Any] = {
        "organization_id": doc.organization_id,
        "kind": _kind(doc),
        "customer_id": doc.customer_id,
        "number": doc.number,
        "currency": doc.currency,
        "issue_date": doc.issue_date,
        "net_minor": totals.net.minor_units,
        "vat_minor": totals.vat.minor_units,
        "total_minor": totals.total.minor_units,
    }
    if isinstance(doc, Invoice):
        values.update(
            status=doc.status,
            due_date=doc.due_date,
            paid_minor=doc.paid.minor_units,
            credited_minor=doc.credited.minor_units,
            reference=doc.reference.value if doc.reference else None,
            reference_scheme=doc.reference.scheme if doc.reference else None,
            related_id=doc.quote_id,
            disputed=doc.disputed,
            data={
                "notes": doc.notes,
                "buyer_reference": doc.buyer_reference,
                "order_reference": doc.order_reference,
            },
            issued_at=doc.issued_at,
            paid_at=doc.paid_at,
        )
    elif isinstance(doc, Quote):
        values.update(
            status=doc.status,
            due_date=doc.valid_until,
            related_id=doc.invoice_id,
            data={
                "notes": doc.notes,
                "decision": dict(doc.decision),
                "decided_at": doc.decided_at.isoformat() if doc.decided_at else None,
            },
        )
    else:
        values.update(
            status="issued",
            related_id=doc.invoice_id,
            data={
                "reason": doc.reason,
                "preceding_invoice_number": doc.preceding_invoice_number,
                "buyer_reference": doc.buyer_reference,
            },
        )
    return values


_INSERT_DOCUMENT = documents.insert()
_INSERT_LINES = document_lines.insert()


def insert_document(conn: Connection, doc: Document, now: dt.datetime) -> None:
    """Insert a quote, invoice or credit note with its lines."""
    values = _document_values(doc)
    values.update(id=doc.id, created_at=doc.created_at or now)
    if isinstance(doc, Invoice):
        values["fees_minor"] = doc.fees.minor_units
    # A statement without .values() compiles once and is cached: this is the issuing hot path.
    conn.execute(_INSERT_DOCUMENT, values)
    if doc.lines:
        conn.execute(
            _INSERT_LINES,
            [
                {
                    "document_id": doc.id,
                    "position": i,
                    "description": line.description,
                    "quantity": str(line.quantity),
                    "unit_price": str(line.unit_price),
                    "vat_rate": str(line.vat_rate),
                    "discount": str(line.discount),
                    "unit": line.unit,
                    "catalog_item_id": line.catalog_item_id,
                    "net_minor": line.net(doc.currency).minor_units,
                    "vat_category": line.vat_category,
                    "exemption_reason": line.exemption_reason,
                    "exemption_code": line.exemption_code,
                    "unit_code": line.unit_code,
                }
                for i, line in enumerate(doc.lines)
            ],
        )


def update_document(conn: Connection, doc: Document) -> None:
    """Write a document's header fields (status, amounts, number …); lines are immutable once
    a document is issued, and drafts are replaced through :func:`replace_lines`.

    An invoice's charged fees are not written here: only :func:`add_fees` changes them, in
    one ``UPDATE … SET fees_minor = fees_minor + …``, so a reminder run charging a fee and a
    payment settling the invoice never overwrite each other's work."""
    values = _document_values(doc)
    values.pop("organization_id")
    values.pop("kind")
    conn.execute(documents.update().where(documents.c.id == doc.id).values(**values))


# Statements of the payment path, built once: SQLAlchemy then only binds their parameters
# (building a statement per call cost more than running it on SQLite).
_SETTLE = (
    documents.update()
    .where(documents.c.id == sa.bindparam("p_id"))
    .values(
        paid_minor=sa.bindparam("p_paid"),
        status=sa.bindparam("p_status"),
        paid_at=sa.bindparam("p_paid_at"),
    )
)
_LINES_OF_ONE = (
    sa.select(document_lines)
    .where(document_lines.c.document_id == sa.bindparam("p_id"))
    .order_by(document_lines.c.position)
)


def _get_query(with_org: bool, for_update: bool) -> sa.Select[Any]:
    query = sa.select(documents).where(
        documents.c.id == sa.bindparam("p_id"), documents.c.kind == sa.bindparam("p_kind")
    )
    if with_org:
        query = query.where(documents.c.organization_id == sa.bindparam("p_org"))
    return query.with_for_update() if for_update else query


_GET = {(o, u): _get_query(o, u) for o in (False, True) for u in (False, True)}


def update_settlement(conn: Connection, invoice: Invoice) -> None:
    """Write what a payment (or a refund) changes on an invoice: the amount paid, the status
    and when it was paid; a narrower and cheaper write than :func:`update_document`."""
    conn.execute(
        _SETTLE,
        {
            "p_id": invoice.id,
            "p_paid": invoice.paid.minor_units,
            "p_status": invoice.status,
            "p_paid_at": invoice.paid_at,
        },
    )


_SETTLE_MANY_PG = sa.text(
    "UPDATE documents AS d SET paid_minor = v.paid, status = v.status, paid_at = v.paid_at "
    "FROM unnest(CAST(:ids AS text[]), CAST(:paid AS bigint[]), CAST(:statuses AS text[]), "
    "CAST(:paid_at AS timestamp[])) AS v(id, paid, status, paid_at) WHERE d.id = v.id"
)


def update_settlements(conn: Connection, invoices: Sequence[Invoice]) -> None:
    """:func:`update_settlement` for many invoices: one statement on PostgreSQL (the rows
    joined from arrays), an executemany on SQLite."""
    if invoices and conn.dialect.name == "postgresql":
        conn.execute(
            _SETTLE_MANY_PG,
            {
                "ids": [i.id for i in invoices],
                "paid": [i.paid.minor_units for i in invoices],
                "statuses": [i.status for i in invoices],
                "paid_at": [
                    None if i.paid_at is None else i.paid_at.astimezone(dt.UTC).replace(tzinfo=None)
                    for i in invoices
                ],
            },
        )
    elif invoices:
        execute_many(
            conn,
            _SETTLE,
            [
                {
                    "p_id": i.id,
                    "p_paid": i.paid.minor_units,
                    "p_status": i.status,
                    "p_paid_at": i.paid_at,
                }
                for i in invoices
            ],
        )


def add_fees(conn: Connection, invoice_id: str, minor: int) -> None:
    """Add ``minor`` units of charged reminder fees to an invoice."""
    conn.execute(
        documents.update()
        .where(documents.c.id == invoice_id)
        .values(fees_minor=documents.c.fees_minor + minor)
    )


def _lines_for(conn: Connection, ids: Sequence[str]) -> dict[str, list[Line]]:
    result: dict[str, list[Line]] = {i: [] for i in ids}
    if not ids:
        return result
    if len(ids) == 1:
        rows = conn.execute(_LINES_OF_ONE, {"p_id": ids[0]})
    else:
        rows = conn.execute(
            sa.select(document_lines)
            .where(document_lines.c.document_id.in_(ids))
            .order_by(document_lines.c.document_id, document_lines.c.position)
        )
    # by key on the row's mapping: a Row's attribute access costs eight times as much
    for r in (row._mapping for row in rows):
        result[r["document_id"]].append(
            Line(
                description=r["description"],
                quantity=r["quantity"],
                unit_price=r["unit_price"],
                vat_rate=r["vat_rate"],
                discount=r["discount"],
                unit=r["unit"],
                catalog_item_id=r["catalog_item_id"],
                exemption_reason=r["exemption_reason"],
                exemption_code=r["exemption_code"],
                unit_code=r["unit_code"],
                # rows from before version 10 have no category: derived from the rate
                **({"vat_category": r["vat_category"]} if r["vat_category"] else {}),
            )
        )
    return result


def _from_row(row: Any, lines: Sequence[Line]) -> Document:
    r = row._mapping  # by key: a Row's attribute access costs eight times as much
    data = r["data"] or {}
    common = {
        "id": r["id"],
        "organization_id": r["organization_id"],
        "customer_id": r["customer_id"],
        "currency": r["currency"],
        "lines": tuple(lines),
        "number": r["number"],
        "issue_date": r["issue_date"],
        "created_at": r["created_at"],
    }
    if r["kind"] == "invoice":
        return Invoice(
            **common,
            status=r["status"],
            reference=Reference(r["reference_scheme"], r["reference"]) if r["reference"] else None,
            due_date=r["due_date"],
            paid_amount=Money.from_minor(r["paid_minor"], r["currency"]),
            credited_amount=Money.from_minor(r["credited_minor"], r["currency"]),
            fees_amount=Money.from_minor(r["fees_minor"], r["currency"]),
            quote_id=r["related_id"],
            notes=data.get("notes", ""),
            buyer_reference=data.get("buyer_reference", ""),
            order_reference=data.get("order_reference", ""),
            disputed=r["disputed"],
            issued_at=r["issued_at"],
            paid_at=r["paid_at"],
        )
    if r["kind"] == "quote":
        decided = data.get("decided_at")
        return Quote(
            **common,
            status=r["status"],
            valid_until=r["due_date"],
            invoice_id=r["related_id"],
            notes=data.get("notes", ""),
            decision=data.get("decision") or {},
            decided_at=dt.datetime.fromisoformat(decided) if decided else None,
        )
    return CreditNote(
        **common,
        invoice_id=r["related_id"],
        reason=data.get("reason", ""),
        preceding_invoice_number=data.get("preceding_invoice_number", ""),
        buyer_reference=data.get("buyer_reference", ""),
    )


def load_documents(
    conn: Connection, query: sa.Select[Any], known: Mapping[str, Document] | None = None
) -> list[Document]:
    """Run a ``select(documents)`` query and return the documents with their lines.

    ``known`` holds documents read before in the same run: an invoice found there that is
    still issued gets its lines (and its totals, computed already) from there instead of the
    store, as lines never change once an invoice is issued."""
    rows = conn.execute(query).all()
    if not known:
        lines = _lines_for(conn, [r.id for r in rows])
        return [_from_row(r, lines[r.id]) for r in rows]
    reused = {r.id: known[r.id] for r in rows if r.id in known and _immutable(r, known[r.id])}
    lines = _lines_for(conn, [r.id for r in rows if r.id not in reused])
    found = []
    for r in rows:
        before = reused.get(r.id)
        if before is None:
            found.append(_from_row(r, lines[r.id]))
            continue
        doc = _from_row(r, before.lines)
        totals = before.__dict__.get("_totals")
        if totals is not None:  # the same lines: the same totals
            doc.__dict__["_totals"] = totals
        found.append(doc)
    return found


def _immutable(row: Any, before: Document) -> bool:
    """Whether the lines of ``before`` are still those of ``row`` (same document, issued)."""
    return (
        row.kind == "invoice"
        and isinstance(before, Invoice)
        and row.status != "draft"
        and before.status != "draft"
        and row.currency == before.currency
    )


def find_document(conn: Connection, doc_id: str) -> Document | None:
    """The invoice, quote or credit note with this id (whatever its kind), or None."""
    found = load_documents(conn, sa.select(documents).where(documents.c.id == doc_id))
    return found[0] if found else None


def find_documents(
    conn: Connection,
    doc_ids: Sequence[str],
    *,
    for_update: bool = False,
    known: Mapping[str, Document] | None = None,
) -> list[Document]:
    """The documents with these ids (whatever their kind), by id.

    ``for_update`` locks them on PostgreSQL, in ascending id order (the service's lock order
    for several invoices). ``known``: documents the caller read before, whose lines are
    reused when they cannot have changed (see :func:`load_documents`)."""
    if not doc_ids:
        return []
    query = (
        sa.select(documents)
        .where(documents.c.id.in_(sorted(set(doc_ids))))
        .order_by(documents.c.id)
    )
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update(of=documents)
    return load_documents(conn, query, known)


def get_document(
    conn: Connection, org_id: str | None, doc_id: str, kind: str, *, for_update: bool = False
) -> Document:
    """Fetch one document of ``kind`` (``"invoice"``, ``"quote"``, ``"credit_note"``)."""
    query = _GET[(org_id is not None, for_update and conn.dialect.name == "postgresql")]
    params = {"p_id": doc_id, "p_kind": kind}
    if org_id is not None:
        params["p_org"] = org_id
    rows = conn.execute(query, params).all()
    if not rows:
        raise NotFound(f"no {kind.replace('_', ' ')} {doc_id!r}")
    return _from_row(rows[0], _lines_for(conn, [rows[0].id])[rows[0].id])


def get_by_number(conn: Connection, org_id: str, kind: str, number: str) -> Document:
    """Fetch a document by its number."""
    docs = load_documents(
        conn,
        sa.select(documents).where(
            documents.c.organization_id == org_id,
            documents.c.kind == kind,
            documents.c.number == number,
        ),
    )
    if not docs:
        raise NotFound(f"no {kind.replace('_', ' ')} numbered {number!r}")
    return docs[0]


def invoice_by_reference(conn: Connection, org_id: str, text: str) -> Invoice | None:
    """The organization's invoice whose structured reference (in any printed form) or, failing
    that, number is ``text``; ``None`` when there is none, or more than one."""
    ref = references.parse(text)
    query = sa.select(documents).where(
        documents.c.organization_id == org_id, documents.c.kind == "invoice"
    )
    found: list[Document] = []
    if ref is not None:
        found = load_documents(conn, query.where(documents.c.reference == ref.value).limit(2))
    if not found:
        found = load_documents(conn, query.where(documents.c.number == text.strip()).limit(2))
    return found[0] if len(found) == 1 and isinstance(found[0], Invoice) else None


def list_documents(
    conn: Connection,
    org_id: str,
    kind: str,
    *,
    customer_id: str | None = None,
    statuses: Sequence[str] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Document]:
    """Documents of one kind, newest number last (drafts, which have none, first)."""
    query = sa.select(documents).where(
        documents.c.organization_id == org_id, documents.c.kind == kind
    )
    if customer_id is not None:
        query = query.where(documents.c.customer_id == customer_id)
    if statuses is not None:
        query = query.where(documents.c.status.in_(list(statuses)))
    query = query.order_by(documents.c.issue_date, documents.c.number, documents.c.id)
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    return load_documents(conn, query)


def open_minor() -> Any:
    """SQL: what an invoice still owes in minor units, charged fees included
    (``Invoice.open_amount`` of an issued or partially paid invoice)."""
    d = documents
    return d.c.total_minor + d.c.fees_minor - d.c.paid_minor - d.c.credited_minor


# Past this many customers whose name matches a search, the name is compared in SQL instead
# (every id as a bound parameter would exceed what the drivers take).
_MAX_NAME_IDS = 2_000


def search_invoices(
    conn: Connection,
    org_id: str,
    *,
    search: str = "",
    statuses: Sequence[str] | None = None,
    overdue_on: dt.date | None = None,
    limit: int,
    offset: int = 0,
) -> list[Document]:
    """One page of the organization's issued invoices (drafts left out), newest first.

    ``search`` finds a number or a customer name, any part, any case (names are folded in
    Python, so "élise" finds "Élise" on every engine); ``statuses`` keeps those statuses;
    ``overdue_on`` keeps the invoices overdue on that day (open, due before it, money owed).
    """
    d = documents
    query = sa.select(d).where(
        d.c.organization_id == org_id, d.c.kind == "invoice", d.c.status != "draft"
    )
    if statuses is not None:
        query = query.where(d.c.status.in_(list(statuses)))
    if overdue_on is not None:
        query = query.where(
            d.c.status.in_(("issued", "partially_paid")),
            d.c.due_date < overdue_on,
            open_minor() > 0,
        )
    needle = search.strip().casefold()
    if needle:
        names = conn.execute(
            sa.select(customers.c.id, customers.c.name).where(customers.c.organization_id == org_id)
        ).all()
        ids = [row.id for row in names if needle in (row.name or "").casefold()]
        by_name: Any = (
            d.c.customer_id.in_(ids)
            if len(ids) <= _MAX_NAME_IDS
            else d.c.customer_id.in_(
                sa.select(customers.c.id).where(
                    customers.c.organization_id == org_id,
                    sa.func.lower(customers.c.name).contains(needle, autoescape=True),
                )
            )
        )
        query = query.where(
            sa.or_(sa.func.lower(d.c.number).contains(needle, autoescape=True), by_name)
        )
    query = query.order_by(d.c.issue_date.desc(), d.c.number.desc(), d.c.id.desc())
    return load_documents(conn, query.limit(limit).offset(offset))


def match_candidates(
    conn: Connection, org_id: str, *, currency: str, minor: int, iban: str | None, limit: int
) -> list[Document]:
    """Open invoices a credit of ``minor`` may pay, for a person matching it by hand: those
    still owing exactly that amount, then those of the customers who paid from ``iban``,
    oldest due first, ``limit`` at most."""
    d = documents
    open_ = sa.and_(
        d.c.organization_id == org_id,
        d.c.kind == "invoice",
        d.c.status.in_(("issued", "partially_paid")),
        d.c.currency == currency,
        open_minor() > 0,
    )
    order = (d.c.due_date, d.c.number, d.c.id)
    found = load_documents(
        conn, sa.select(d).where(open_, open_minor() == minor).order_by(*order).limit(limit)
    )
    if iban and len(found) < limit:
        payers = sa.select(customer_ibans.c.customer_id).where(
            customer_ibans.c.organization_id == org_id, customer_ibans.c.iban == iban
        )
        seen = [doc.id for doc in found]
        query = sa.select(d).where(open_, d.c.customer_id.in_(payers), d.c.id.not_in(seen))
        found += load_documents(conn, query.order_by(*order).limit(limit - len(found)))
    return found


# --- purchase invoices ------------------------------------------------------------------------


def _purchase_values(p: PurchaseInvoice) -> dict[str, Any]:
    assert p.paid_amount is not None
    return {
        "organization_id": p.organization_id,
        "supplier_name": p.supplier_name,
        "supplier_iban": p.supplier_iban,
        "supplier_bic": p.supplier_bic,
        "supplier_reference": p.supplier_reference,
        "payment_reference": str(p.payment_reference) if p.payment_reference else None,
        "currency": p.currency,
        "amount_minor": p.amount.minor_units,
        "paid_minor": p.paid_amount.minor_units,
        "issue_date": p.issue_date,
        "due_date": p.due_date,
        "status": p.status,
        "description": p.description,
        "end_to_end_id": p.end_to_end_id,
        "supplier_id": p.supplier_id,
        "supplier_vat_id": p.supplier_vat_id,
        "vat_minor": p.vat_amount.minor_units if p.vat_amount is not None else None,
        "data": {"lines": [line.to_dict() for line in p.lines]} if p.lines else None,
    }


def insert_purchase(
    conn: Connection, p: PurchaseInvoice, now: dt.datetime, *, content_hash: str | None = None
) -> None:
    """Insert a purchase invoice; ``content_hash`` is the SHA-256 of the e-invoice file it was
    read from (see :func:`find_purchase`)."""
    conn.execute(
        purchase_invoices.insert().values(
            id=p.id,
            created_at=p.created_at or now,
            content_hash=content_hash,
            **_purchase_values(p),
        )
    )


def find_purchase(
    conn: Connection,
    org_id: str,
    *,
    content_hash: str | None = None,
    supplier_id: str | None = None,
    supplier_reference: str | None = None,
) -> PurchaseInvoice | None:
    """The purchase invoice read from a file with this hash, or with this supplier and number."""
    c = purchase_invoices.c
    clauses = []
    if content_hash:
        clauses.append(c.content_hash == content_hash)
    if supplier_id and supplier_reference:
        clauses.append(
            sa.and_(c.supplier_id == supplier_id, c.supplier_reference == supplier_reference)
        )
    if not clauses:
        return None
    row = conn.execute(
        sa.select(purchase_invoices)
        .where(c.organization_id == org_id, sa.or_(*clauses))
        .order_by(c.created_at, c.id)
        .limit(1)
    ).first()
    return _purchase_from_row(row) if row is not None else None


def update_purchase(conn: Connection, p: PurchaseInvoice) -> None:
    conn.execute(
        purchase_invoices.update()
        .where(purchase_invoices.c.id == p.id)
        .values(**_purchase_values(p))
    )


def _purchase_from_row(row: Any) -> PurchaseInvoice:
    from ..references import parse

    return PurchaseInvoice(
        id=row.id,
        organization_id=row.organization_id,
        supplier_name=row.supplier_name,
        supplier_iban=row.supplier_iban,
        supplier_bic=row.supplier_bic,
        supplier_reference=row.supplier_reference,
        payment_reference=parse(row.payment_reference),
        amount=Money.from_minor(row.amount_minor, row.currency),
        paid_amount=Money.from_minor(row.paid_minor, row.currency),
        issue_date=row.issue_date,
        due_date=row.due_date,
        status=row.status,
        description=row.description,
        end_to_end_id=row.end_to_end_id,
        created_at=row.created_at,
        supplier_id=row.supplier_id,
        supplier_vat_id=row.supplier_vat_id,
        vat_amount=Money.from_minor(row.vat_minor, row.currency)
        if row.vat_minor is not None
        else None,
        lines=tuple(Line.from_dict(d) for d in (row.data or {}).get("lines", ())),
    )


def get_purchase(conn: Connection, org_id: str, purchase_id: str) -> PurchaseInvoice:
    row = conn.execute(
        sa.select(purchase_invoices).where(
            purchase_invoices.c.id == purchase_id,
            purchase_invoices.c.organization_id == org_id,
        )
    ).first()
    if row is None:
        raise NotFound(f"no purchase invoice {purchase_id!r}")
    return _purchase_from_row(row)


def list_purchases(
    conn: Connection, org_id: str, *, statuses: Sequence[str] | None = None
) -> list[PurchaseInvoice]:
    query = sa.select(purchase_invoices).where(purchase_invoices.c.organization_id == org_id)
    if statuses is not None:
        query = query.where(purchase_invoices.c.status.in_(list(statuses)))
    query = query.order_by(purchase_invoices.c.due_date, purchase_invoices.c.id)
    return [_purchase_from_row(r) for r in conn.execute(query)]


# --- suppliers and the files received with purchase invoices ----------------------------------


def _supplier_from_row(row: Any) -> Supplier:
    return Supplier(
        id=row.id,
        organization_id=row.organization_id,
        name=row.name,
        vat_id=row.vat_id,
        registration=row.registration,
        iban=row.iban,
        bic=row.bic,
    )


def find_supplier(
    conn: Connection,
    org_id: str,
    *,
    vat_id: str | None = None,
    registration: str | None = None,
    iban: str | None = None,
) -> Supplier | None:
    """The organization's supplier with this VAT id, else this registration, else this IBAN
    (the first one recorded when several match)."""
    c = suppliers.c
    for column, value in ((c.vat_id, vat_id), (c.registration, registration), (c.iban, iban)):
        if not value:
            continue
        row = conn.execute(
            sa.select(suppliers)
            .where(c.organization_id == org_id, column == value)
            .order_by(c.created_at, c.id)
            .limit(1)
        ).first()
        if row is not None:
            return _supplier_from_row(row)
    return None


def insert_supplier(conn: Connection, supplier: Supplier, now: dt.datetime) -> None:
    conn.execute(
        suppliers.insert().values(
            id=supplier.id,
            organization_id=supplier.organization_id,
            name=supplier.name,
            vat_id=supplier.vat_id,
            registration=supplier.registration,
            iban=supplier.iban,
            bic=supplier.bic,
            data={},
            created_at=now,
        )
    )


def list_suppliers(conn: Connection, org_id: str) -> list[Supplier]:
    rows = conn.execute(
        sa.select(suppliers)
        .where(suppliers.c.organization_id == org_id)
        .order_by(suppliers.c.name, suppliers.c.id)
    )
    return [_supplier_from_row(r) for r in rows]


def insert_purchase_file(
    conn: Connection, purchase_id: str, name: str, media_type: str, content: bytes
) -> None:
    """Keep a file received with a purchase invoice (its XML, its PDF)."""
    conn.execute(
        purchase_files.insert().values(
            purchase_id=purchase_id, name=name, media_type=media_type, content=content
        )
    )


def list_purchase_files(conn: Connection, purchase_id: str) -> list[tuple[str, str, bytes]]:
    """``(name, media_type, content)`` of the files kept with a purchase invoice."""
    rows = conn.execute(
        sa.select(purchase_files.c.name, purchase_files.c.media_type, purchase_files.c.content)
        .where(purchase_files.c.purchase_id == purchase_id)
        .order_by(purchase_files.c.name)
    )
    return [(r.name, r.media_type, bytes(r.content)) for r in rows]

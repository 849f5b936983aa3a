"""``pl.renditions``: stored documents rendered as HTML or PDF files."""

from __future__ import annotations

from .. import render
from ..documents import CreditNote, Invoice, Quote
from ..money import Money
from ..payments import Payment
from ._base import Resource
from ._documents import document_html

__all__ = ["Documents", "Renditions"]


class Renditions(Resource):
    """Documents rendered as files: ``pl.renditions.html(invoice)``, ``pl.renditions.pdf(invoice)``.

    Named apart from :mod:`paylink.documents` (the invoices, quotes and credit notes
    themselves): this namespace only renders them. ``pl.documents`` is its deprecated alias.
    """

    def html(
        self,
        document: Invoice | Quote | CreditNote | str,
        *,
        kind: str | None = None,
        language: str | None = None,
        payment: Payment | str | None = None,
        step: int = 1,
        fees: Money | None = None,
    ) -> str:
        """The printable HTML page of an invoice, quote or credit note (or, with ``kind``, of a
        ``receipt`` for ``payment`` or a ``reminder`` letter with ``step`` and ``fees``).

        The language is the customer's unless ``language`` is given. An invoice carries its
        active payment link, if it has one (this call never creates one).
        """
        with self._ctx.store.transaction() as conn:
            return document_html(
                self._ctx.addresses,
                conn,
                document,
                kind=kind,
                language=language,
                payment=payment,
                step=step,
                fees=fees,
                now=self._ctx.clock.now(),
                providers=self._ctx.providers,
            )

    def pdf(
        self,
        document: Invoice | Quote | CreditNote | str,
        *,
        kind: str | None = None,
        language: str | None = None,
        payment: Payment | str | None = None,
        step: int = 1,
        fees: Money | None = None,
    ) -> bytes:
        """The same document as :meth:`html`, as PDF bytes (needs the ``pdf`` extra)."""
        return render.html_to_pdf(
            self.html(document, kind=kind, language=language, payment=payment, step=step, fees=fees)
        )


Documents = Renditions
"""The class's former name (``pl.documents`` is now ``pl.renditions``)."""

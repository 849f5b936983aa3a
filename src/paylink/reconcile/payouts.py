"""The payout rule: a bank credit that is a card provider's payout, not a customer's payment.

A provider (Stripe, Mollie) pays its merchant a lump sum days after the card payments, net of
its fees, refunds and chargebacks; the invoices were already paid by the provider's webhook.
Such a credit must match the payout, never an invoice. The engine runs this rule first, and
only when it is given payouts (``Reconciler.reconcile(..., payouts=...)``), so a run without
payouts costs nothing more:

- a credit whose counterparty or text names a payout's provider (``STRIPE``, ``Mollie``) or
  carries its reference (a Mollie settlement reference such as ``1234567.2212.03``), for
  exactly a known payout's net amount, matches that payout (confidence 1.0, applied by
  itself; several equal payouts make it a review);
- a credit that names a provider of the given payouts but fits none of them is left
  unmatched with the reason, never proposed against an invoice (unless it carries a
  structured reference, which only a customer's payment has).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import attrs

from ..money import Money
from ..payouts import Payout
from ..statements.model import BankTransaction
from .items import OpenItem
from .rules import Candidate

__all__ = [
    "PAYOUT_PREFIX",
    "PAYOUT_RULE",
    "PAYOUT_RULE_PRIORITY",
    "PROVIDER_WORDS",
    "OpenPayout",
    "PayoutMatcher",
]

PAYOUT_PREFIX = "payout:"
"""The prefix of a proposal's ``invoice_id`` when it allocates to a payout (its id follows)."""

PAYOUT_RULE = "payout"
"""The name of the payout rule in a result's rules and proposals."""

PROVIDER_WORDS: Mapping[str, tuple[str, ...]] = {
    "stripe": ("STRIPE",),
    "mollie": ("MOLLIE",),
    "payconiq": ("PAYCONIQ",),
    "fake": ("FAKE PAYOUT",),
}
"""The words a bank line uses to name each provider's payouts (another provider: its name)."""


@attrs.frozen(kw_only=True)
class OpenPayout:
    """A payout not matched to a bank transaction yet, as the payout rule sees it.

    ``id`` is paylink's id (or any unique key), ``payout_id`` the provider's, ``net`` what
    reaches the bank, ``reference`` what the bank line may carry, ``summary`` what it carries
    in words (for the explanation).
    """

    id: str
    provider: str
    net: Money
    payout_id: str = ""
    reference: str = ""
    summary: str = ""

    @classmethod
    def from_payout(cls, payout: Payout) -> OpenPayout:
        """Build it from a recorded :class:`paylink.payouts.Payout`."""
        return cls(
            id=payout.id,
            provider=payout.provider,
            net=payout.net,
            payout_id=payout.payout_id,
            reference=payout.reference,
            summary=payout.describe(),
        )

    def item(self) -> OpenItem:
        """The open item a proposal allocates to (its ``invoice_id`` is ``payout:<id>``)."""
        return OpenItem(
            number=self.reference or self.payout_id or self.id,
            open_amount=self.net,
            customer_key=f"{PAYOUT_PREFIX}{self.provider}",
            customer_name=self.provider,
            invoice_id=f"{PAYOUT_PREFIX}{self.id}",
        )


def _pattern(words: Iterable[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    return re.compile(rf"(?<![A-Z0-9])(?:{alternatives})(?![A-Z0-9])")


class PayoutMatcher:
    """The payouts of one run, indexed by currency and net amount; each is taken once."""

    def __init__(self, payouts: Iterable[OpenPayout]) -> None:
        self._by_amount: dict[tuple[str, int], list[OpenPayout]] = {}
        words: dict[str, str] = {}
        self._by_reference: dict[str, str] = {}
        for payout in payouts:
            key = (payout.net.currency, payout.net.minor_units)
            self._by_amount.setdefault(key, []).append(payout)
            for word in PROVIDER_WORDS.get(payout.provider, (payout.provider.upper(),)):
                words[word] = payout.provider
            if payout.reference:
                self._by_reference[payout.reference.upper()] = payout.provider
        self._words = words
        self._names = _pattern(list(words) + list(self._by_reference)) if words else None

    def __bool__(self) -> bool:
        return bool(self._by_amount)

    def named(self, tx: BankTransaction) -> tuple[str, str] | None:
        """``(provider, the word found)`` when the transaction names a provider or a payout
        reference, else ``None``."""
        if self._names is None:
            return None
        text = f"{tx.counterparty_name or ''} {tx.remittance_text or ''}".upper()
        found = self._names.search(text)
        if found is None:
            return None
        word = found.group(0)
        return self._words.get(word) or self._by_reference[word], word

    def candidates(self, tx: BankTransaction, provider: str, word: str) -> list[Candidate]:
        """The payouts of ``provider`` whose net is exactly the transaction's amount (the one
        whose reference the transaction names first)."""
        fits = [
            p
            for p in self._by_amount.get((tx.currency, tx.amount.minor_units), ())
            if p.provider == provider
        ]
        if not fits:
            return []
        named = [p for p in fits if p.reference and p.reference.upper() == word]
        if named:
            fits = named
        out = []
        for payout in fits:
            item = payout.item()
            how = f"reference {payout.reference}" if payout.reference.upper() == word else word
            carries = f"; it carries {payout.summary}" if payout.summary else ""
            out.append(
                Candidate(
                    ((item, payout.net),),
                    1.0,
                    f"the credit names {how} and is exactly the net {payout.net} of "
                    f"{payout.provider} payout {payout.payout_id or payout.id}{carries}",
                )
            )
        return out

    def take(self, payout_item: OpenItem) -> None:
        """Reserve a matched payout: no later transaction of the run takes it again."""
        key = (payout_item.currency, payout_item.open_amount.minor_units)
        left = [
            p
            for p in self._by_amount.get(key, ())
            if f"{PAYOUT_PREFIX}{p.id}" != payout_item.invoice_id
        ]
        if left:
            self._by_amount[key] = left
        else:
            self._by_amount.pop(key, None)


PAYOUT_RULE_PRIORITY = 0
"""Where the payout rule runs: before every other rule."""

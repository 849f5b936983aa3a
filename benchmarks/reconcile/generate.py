"""A labelled data generator for reconciliation benchmarks.

``generate(n_items, n_transactions, seed)`` returns open items, bank transactions and the
truth (transaction id -> set of invoice numbers; empty for credits that pay nothing of ours).
The mix of transactions imitates a small-business account:

=====  ===============================================================================
share  kind
=====  ===============================================================================
36 %   clean structured reference (OGM or RF) in the structured field, exact amount
14 %   reference buried in noisy free text (spaces, slashes, words, other digits)
 8 %   invoice number in free text, exact amount
12 %   no reference: known customer IBAN and exact amount
 6 %   one credit paying two or three invoices of one customer (no reference)
 4 %   partial payment with a structured reference
 3 %   overpayment with the reference in the text
 4 %   name variant from an unknown account, exact amount
 3 %   outgoing payment of a purchase invoice (end-to-end id of our SEPA file)
10 %   unrelated credit (refund, interest, someone else's money)
=====  ===============================================================================

Open items outnumber what gets paid: the items no transaction pays stay open, as in life.
Everything is built from a seeded :class:`random.Random`, so runs are reproducible.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal

from paylink.money import Money
from paylink.reconcile import OpenItem
from paylink.references import Reference, rf
from paylink.statements.model import BankTransaction

SURNAMES = [
    "Peeters",
    "Janssens",
    "Maes",
    "Jacobs",
    "Mertens",
    "Willems",
    "Claes",
    "Goossens",
    "Wouters",
    "De Smet",
    "Dubois",
    "Lambert",
    "Dupont",
    "Martin",
    "Leroy",
    "Simon",
    "Laurent",
    "Lemaire",
    "Vermeulen",
    "Van Damme",
    "Hermans",
    "Declercq",
    "Michiels",
    "Desmet",
    "Pauwels",
    "Aerts",
    "Smets",
    "Lambrechts",
    "De Backer",
    "Bogaert",
    "Verhoeven",
    "Cools",
    "Coppens",
    "Van Dyck",
    "Schmidt",
    "Muller",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "De Boer",
    "Mulder",
    "De Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "Dekker",
    "Brouwer",
]
TRADES = [
    "Bouw",
    "Transport",
    "Interieur",
    "Bakkerij",
    "Garage",
    "Design",
    "Consult",
    "Immo",
    "Elektro",
    "Sanitair",
    "Catering",
    "Drukkerij",
    "Schilderwerken",
    "Dakwerken",
    "Tuinaanleg",
    "Logistiek",
    "Media",
    "Software",
    "Textiel",
    "Optiek",
    "Apotheek",
    "Brasserie",
    "Fietsen",
    "Keukens",
    "Ramen",
    "Vloeren",
    "Verlichting",
    "Kapsalon",
    "Reizen",
    "Verhuur",
]
FIRST = [
    "Jan",
    "Piet",
    "Marc",
    "Luc",
    "Ann",
    "Els",
    "Sofie",
    "Tom",
    "Bart",
    "Koen",
    "Dirk",
    "Eva",
    "Lisa",
    "Nina",
    "Paul",
    "Rik",
    "Wim",
    "Hilde",
    "Kris",
    "Greet",
    "Joris",
    "Lotte",
    "Sven",
    "Ilse",
    "Wout",
    "Inge",
    "Stijn",
    "Lien",
    "Arne",
    "Jef",
    "Mia",
    "Noor",
    "Sam",
    "Lars",
    "Emma",
    "Anna",
]
LEGAL = ("BV", "NV", "BVBA", "SPRL", "SA", "SRL", "GmbH", "Ltd", "Inc", "")
CITIES = ("Gent", "Antwerpen", "Brussel", "Leuven", "Brugge", "Namur", "Liege", "Hasselt")
NOISE = (
    "betaling",
    "payment",
    "factuur",
    "fact.",
    "facture",
    "inv",
    "ref",
    "thanks",
    "bedankt",
    "merci",
    "klantnr",
    "order",
    "via app",
    "maart",
    "april",
)
UNRELATED = ("refund", "interest Q1", "salary", "rent back", "gift", "tax refund", "cashback")


def _ogm(base: int) -> Reference:
    digits = f"{base:010d}"[-10:]
    check = int(digits) % 97 or 97
    return Reference("ogm", f"{digits}{check:02d}")


def _iban(n: int) -> str:
    # unique, IBAN-shaped; validity is not what is being measured
    return f"BE{10 + n % 89:02d}{n:012d}"


def _spaced(digits: str, rng: random.Random) -> str:
    style = rng.randrange(4)
    if style == 0:
        return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"
    if style == 1:
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    if style == 2:
        return f"***{digits[:3]}/{digits[3:7]}/{digits[7:]}***"
    return digits


def _variant(name: str, rng: random.Random) -> str:
    words = [w for w in name.split() if w not in LEGAL]
    style = rng.randrange(4)
    if style == 0:
        return " ".join(words).upper()
    if style == 1:
        return " ".join(reversed(words))
    if style == 2:
        return f"{' '.join(words)} {rng.choice(CITIES)}"
    return " ".join(words).lower() + " " + rng.choice(LEGAL[:6])


def generate(
    n_items: int, n_transactions: int, seed: int = 7
) -> tuple[list[OpenItem], list[BankTransaction], dict[str, frozenset[str]]]:
    """Return ``(open_items, transactions, truth)`` for a benchmark run."""
    rng = random.Random(seed)
    n_customers = max(1, n_items // 4)
    names: list[str] = []
    for c in range(n_customers):
        legal = rng.choice(LEGAL)
        family = f"{rng.choice(SURNAMES)}-{rng.choice(SURNAMES)}"
        name = f"{family} {rng.choice(TRADES)} {rng.choice(FIRST)}"
        names.append(f"{name} {legal}".strip() if c % 3 else name)
    ibans = [_iban(c) for c in range(n_customers)]
    booking = dt.date(2026, 3, 2)
    items: list[OpenItem] = []
    by_customer: list[list[int]] = [[] for _ in range(n_customers)]
    n_purchase = max(1, int(n_items * 0.03))
    for i in range(n_items - n_purchase):
        c = i % n_customers if i < n_customers else rng.randrange(n_customers)
        number = f"F2026-{i + 1:07d}"
        # a third of the amounts are round, so amounts alone collide often
        minor = (
            rng.randrange(10, 2000) * 100 if rng.random() < 0.33 else rng.randrange(1000, 500_000)
        )
        ref = rf(f"2026{i + 1:07d}") if i % 10 == 0 else _ogm(2026_000_000 + i + 1)
        items.append(
            OpenItem(
                number=number,
                open_amount=Money.from_minor(minor, "EUR"),
                customer_key=f"C{c}",
                customer_name=names[c],
                customer_ibans=(ibans[c],),
                reference=ref,
                issue_date=booking - dt.timedelta(days=30 + i % 60),
                due_date=booking - dt.timedelta(days=i % 60),
            )
        )
        by_customer[c].append(len(items) - 1)
    purchases: list[int] = []
    for p in range(n_purchase):
        items.append(
            OpenItem(
                number=f"SUP-{p + 1:07d}",
                open_amount=Money.from_minor(rng.randrange(1000, 300_000), "EUR"),
                direction="purchase",
                customer_key=f"S{p % 997}",
                customer_name=f"Supplier {p % 997}",
                customer_ibans=(_iban(10_000_000 + p % 997),),
                end_to_end_id=f"PAYLINK-E2E-{p + 1:08d}",
            )
        )
        purchases.append(len(items) - 1)

    used = bytearray(len(items))
    sale_order = list(range(n_items - n_purchase))
    rng.shuffle(sale_order)
    next_sale = iter(sale_order)
    next_purchase = iter(purchases)
    customer_order = list(range(n_customers))
    rng.shuffle(customer_order)
    next_customer: Iterator[int] = iter(customer_order)

    def take() -> int | None:
        for i in next_sale:
            if not used[i]:
                used[i] = 1
                return i
        return None

    def take_group() -> list[int] | None:
        for c in next_customer:
            free = [i for i in by_customer[c] if not used[i]]
            if len(free) >= 2:
                group = free[: rng.choice((2, 2, 3))]
                for i in group:
                    used[i] = 1
                return group
        return None

    transactions: list[BankTransaction] = []
    truth: dict[str, frozenset[str]] = {}
    kinds = (
        (0.36, "reference"),
        (0.50, "noisy"),
        (0.58, "number"),
        (0.70, "iban"),
        (0.76, "group"),
        (0.80, "partial"),
        (0.83, "over"),
        (0.87, "name"),
        (0.90, "purchase"),
        (1.00, "unrelated"),
    )
    for t in range(n_transactions):
        tx_id = f"T{t + 1:08d}"
        roll = rng.random()
        kind = next(k for limit, k in kinds if roll < limit)
        amount_minor = 0
        name: str | None = None
        iban: str | None = None
        sref: Reference | None = None
        text: str | None = None
        e2e: str | None = None
        paid: list[int] = []
        if kind == "purchase":
            p = next(next_purchase, None)
            if p is None:
                kind = "unrelated"
            else:
                it = items[p]
                amount_minor = -it.open_amount.minor_units
                e2e, name, iban = it.end_to_end_id, it.customer_name, it.customer_ibans[0]
                text = f"invoice {it.number}"
                paid = [p]
        elif kind == "group":
            group = take_group()
            if group is None:
                kind = "unrelated"
            else:
                c = int(items[group[0]].customer[1:])
                amount_minor = sum(items[i].open_amount.minor_units for i in group)
                name, iban = names[c], ibans[c]
                text = rng.choice(NOISE)
                paid = group
        if kind not in ("purchase", "group", "unrelated"):
            i = take()
            if i is None:
                kind = "unrelated"
            else:
                it = items[i]
                c = int(it.customer[1:])
                assert it.reference is not None
                amount_minor = it.open_amount.minor_units
                name, iban = names[c], ibans[c]
                paid = [i]
                if kind == "reference":
                    sref = it.reference
                elif kind == "noisy":
                    ref = it.reference
                    shown = _spaced(ref.value, rng) if ref.scheme == "ogm" else ref.display
                    junk = f"{rng.randrange(10**5, 10**9)}"
                    text = f"{rng.choice(NOISE)} {shown} {rng.choice(NOISE)} {junk}"
                elif kind == "number":
                    shown = it.number if rng.random() < 0.5 else it.number.replace("-", " ")
                    text = f"{rng.choice(NOISE)} {shown.lower()} {rng.choice(NOISE)}"
                elif kind == "iban":
                    text = rng.choice(NOISE)
                elif kind == "partial":
                    sref = it.reference
                    amount_minor = max(1, amount_minor * rng.randrange(20, 80) // 100)
                elif kind == "over":
                    text = f"{rng.choice(NOISE)} {it.reference.display}"
                    amount_minor += rng.randrange(100, 5000)
                elif kind == "name":
                    name, iban = _variant(names[c], rng), _iban(20_000_000 + t)
                    text = rng.choice(NOISE)
        if kind == "unrelated":
            amount_minor = rng.randrange(100, 300_000)
            name = f"{rng.choice(FIRST)} {rng.choice(FIRST)}son"
            iban = _iban(30_000_000 + t)
            text = rng.choice(UNRELATED)
            paid = []
        transactions.append(
            BankTransaction(
                id=tx_id,
                account_iban="BE62510007547061",
                booking_date=booking,
                value_date=booking,
                amount=Money(Decimal(amount_minor).scaleb(-2), "EUR"),
                counterparty_name=name,
                counterparty_iban=iban,
                structured_reference=sref,
                remittance_text=text,
                end_to_end_id=e2e,
            )
        )
        truth[tx_id] = frozenset(items[i].number for i in paid)
    return items, transactions, truth


if __name__ == "__main__":  # pragma: no cover - a quick look at the data
    its, txs, tr = generate(20, 10, seed=1)
    for tx in txs:
        print(tx.id, tx.amount, tx.counterparty_name, tx.structured_reference, tx.remittance_text)
        print("   ->", sorted(tr[tx.id]))

"""Property: whatever the data, allocations stay within the money that exists."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st
from reconcile_builders import ACME_IBAN, BOLT_IBAN, CARA_IBAN, make_item, make_tx

from paylink.money import Money
from paylink.reconcile import reconcile
from paylink.reconcile.index import _MAYBE_REFERENCE
from paylink.references import find, ogm, rf

IBANS = [ACME_IBAN, BOLT_IBAN, CARA_IBAN]
CUSTOMERS = [
    ("acme", "Acme NV", ACME_IBAN),
    ("bolt", "Bolt BV", BOLT_IBAN),
    ("cara", "Cara", CARA_IBAN),
]
cents = st.integers(min_value=1, max_value=20_000)


@st.composite
def scenario(draw):  # type: ignore[no-untyped-def]
    n_items = draw(st.integers(min_value=1, max_value=12))
    items = []
    for n in range(n_items):
        key, name, iban = draw(st.sampled_from(CUSTOMERS))
        currency = draw(st.sampled_from(["EUR", "EUR", "EUR", "USD"]))
        items.append(
            make_item(
                f"2026-{n:04}",
                str(Money.from_minor(draw(cents), currency).amount),
                currency=currency,
                customer=key,
                name=name,
                ibans=(iban,),
                reference=draw(st.booleans()),
            )
        )
    txs = []
    for t in range(draw(st.integers(min_value=1, max_value=12))):
        target = draw(st.sampled_from(items))
        minor = draw(st.one_of(st.just(target.open_amount.minor_units), cents))
        sign = draw(st.sampled_from([1, 1, 1, -1]))
        currency = draw(st.sampled_from(["EUR", "EUR", "USD"]))
        ref = ogm(target.number) if draw(st.booleans()) else None
        text = draw(st.sampled_from([None, target.number, f"{target.number} and 2026-0001"]))
        txs.append(
            make_tx(
                str(Money.from_minor(sign * minor, currency).amount),
                currency=currency,
                id=f"T{t}",
                iban=draw(st.sampled_from([None, *IBANS])),
                name=draw(st.sampled_from([None, "ACME", "Bolt B.V.", "someone"])),
                ref=ref,
                text=text,
            )
        )
    tolerance = draw(st.sampled_from(["0", "1.00", "5.00"]))
    policy = draw(st.sampled_from(["leave_open", "write_off"]))
    return items, txs, tolerance, policy


@settings(max_examples=300, deadline=None)
@given(scenario())
def test_allocations_never_exceed_what_exists(data) -> None:  # type: ignore[no-untyped-def]
    items, txs, tolerance, policy = data
    result = reconcile(txs, items, tolerance=tolerance, tolerance_policy=policy)
    by_id = {tx.id: tx for tx in txs}
    open_amounts = {item.number: item.open_amount for item in items}
    taken: dict[str, int] = defaultdict(int)
    assert {p.transaction_id for p in result.proposals}.isdisjoint(result.unmatched)
    assert len(result.proposals) + len(result.unmatched) == len(txs)
    for p in result.proposals:
        tx = by_id[p.transaction_id]
        paid = abs(tx.amount.minor_units)
        assert p.allocations
        assert 0 <= p.confidence <= 1
        same = [a for a in p.allocations if a.amount.currency == tx.currency]
        assert all(a.amount.minor_units > 0 for a in p.allocations)
        if len(same) == len(p.allocations):
            allocated = sum(a.amount.minor_units for a in same)
            assert allocated <= paid
            excess = p.excess.minor_units if p.excess else 0
            assert allocated + excess == paid  # sums correctly: nothing lost, nothing created
        else:
            assert not p.auto  # another currency is never applied automatically
        for a in p.allocations:
            assert a.amount.currency == open_amounts[a.number].currency
            taken[a.number] += a.amount.minor_units
        if p.write_off:
            taken[p.allocations[0].number] += p.write_off.minor_units
    for number, minor in taken.items():
        assert minor <= open_amounts[number].minor_units


reference_texts = st.one_of(
    st.text(alphabet="0123456789 /.-+*RFrfabc", max_size=40),
    st.builds(
        lambda n, sep, noise: f"{noise}{sep.join(ogm(n).value)}{noise}",
        st.integers(min_value=0, max_value=10**10),
        st.sampled_from(["", " ", "/", "."]),
        st.sampled_from(["", "ref ", "12 "]),
    ),
    st.builds(
        lambda n: f"pay {rf(str(n)).display} thanks", st.integers(min_value=0, max_value=10**15)
    ),
)


@settings(max_examples=500, deadline=None)
@given(reference_texts)
def test_reference_prefilter_never_hides_a_reference(text: str) -> None:
    # the index skips references.find() for texts the prefilter rejects; that must lose nothing
    if find(text):
        assert _MAYBE_REFERENCE.search(text)

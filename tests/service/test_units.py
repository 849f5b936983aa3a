"""Units of work: run again after a deadlock or serialization failure, events fired once."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from paylink import FixedClock, Paylink, hookimpl
from paylink.plugins import Plugins, get_plugin_manager
from paylink.service import UnitRetry
from paylink.service._base import is_retryable
from paylink.service._payments import settle_link
from tests.conftest import lines

from ..conftest import BASE_URL


class _Listener:
    def __init__(self) -> None:
        self.paid: list[str] = []
        self.recorded: list[str] = []

    @hookimpl
    def paylink_invoice_paid(self, invoice: Any) -> None:
        self.paid.append(invoice.id)

    @hookimpl
    def paylink_payment_recorded(self, payment: Any) -> None:
        self.recorded.append(payment.id)


def _open(db_url: str, clock: FixedClock, listener: _Listener, delays: list[float]) -> Paylink:
    return Paylink(
        Paylink.open(db_url).store,
        clock=clock,
        plugins=Plugins(get_plugin_manager(plugins=[listener])),
        retry=UnitRetry(attempts=5, sleep=delays.append),
        base_url=BASE_URL,
    )


class _SerializationFailure(Exception):
    """What a DBAPI driver raises for SQLSTATE 40001 (psycopg sets ``sqlstate``)."""

    sqlstate = "40001"


def test_a_unit_runs_again_after_a_serialization_failure_and_fires_its_events_once(
    db_url: str, clock: FixedClock
) -> None:
    listener, delays = _Listener(), []
    pl = _open(db_url, clock, listener, delays)
    org = pl.organizations.create(name="A", country="BE", iban="BE71096123456769")
    cust = pl.customers.create(org, name="B")
    invoice = pl.invoices.issue(org, cust, lines=lines())
    link = pl.links.create(invoice)
    runs: list[int] = []

    def work(unit: Any) -> Any:
        payment = settle_link(
            unit,
            link.id,
            pl._ctx.addresses,
            amount=None,
            method="card",
            provider="fake",
            provider_reference="pay_1",
            received_on=None,
        )
        runs.append(len(runs))
        if len(runs) < 3:  # lost twice, after writing: the writes must not survive
            raise _SerializationFailure("could not serialize access")
        return payment

    payment = pl._ctx.run(work)
    assert len(runs) == 3
    assert len(delays) == 2 and all(0 < d <= pl.retry.max_delay for d in delays)
    assert [p.id for p in pl.payments.list(org.id)] == [payment.id]
    assert pl.invoices.get(org, invoice.id).status == "paid"
    assert pl.links.get(org, link.id).status == "paid"
    assert listener.paid == [invoice.id]  # once, after the commit that stuck
    assert listener.recorded == [payment.id]
    pl.close()


def test_retries_are_bounded_and_other_errors_are_not_retried(
    db_url: str, clock: FixedClock
) -> None:
    listener, delays = _Listener(), []
    pl = _open(db_url, clock, listener, delays)
    calls: list[int] = []

    def always_loses(unit: Any) -> None:
        calls.append(1)
        raise _SerializationFailure("deadlock")

    with pytest.raises(_SerializationFailure):
        pl._ctx.run(always_loses)
    assert len(calls) == 5 and len(delays) == 4

    def fails(unit: Any) -> None:
        calls.append(1)
        raise ValueError("a bug, not a race")

    calls.clear()
    with pytest.raises(ValueError):
        pl._ctx.run(fails)
    assert len(calls) == 1
    pl.close()


def test_retryable_errors_are_told_by_their_sqlstate() -> None:
    class Wrapped(Exception):
        def __init__(self, orig: BaseException) -> None:
            super().__init__("wrapped")
            self.orig = orig

    class Pg2Deadlock(Exception):
        pgcode = "40P01"

    class UniqueViolation(Exception):
        sqlstate = "23505"

    assert is_retryable(Wrapped(_SerializationFailure()))
    assert is_retryable(Wrapped(Pg2Deadlock()))
    assert not is_retryable(Wrapped(UniqueViolation()))
    assert not is_retryable(RuntimeError("no"))


@pytest.mark.postgres
def test_payments_record_survives_a_real_serialization_failure_on_postgresql(
    pg_server: Any, clock: FixedClock
) -> None:
    """PostgreSQL itself raises SQLSTATE 40001 (a trigger, twice) inside pl.payments.record."""
    url = pg_server.create_database()
    listener, delays = _Listener(), []
    pl = _open(url, clock, listener, delays)
    org = pl.organizations.create(name="A", country="BE", iban="BE71096123456769")
    cust = pl.customers.create(org, name="B")
    invoice = pl.invoices.issue(org, cust, lines=lines())
    with pl.store.transaction() as conn:
        # A sequence is not transactional: the failure budget survives the rollbacks.
        conn.execute(sa.text("CREATE SEQUENCE forced_failures"))
        conn.execute(
            sa.text(
                "CREATE FUNCTION fail_twice() RETURNS trigger AS $$ BEGIN "
                "IF nextval('forced_failures') <= 2 THEN "
                "RAISE EXCEPTION 'forced' USING ERRCODE = 'serialization_failure'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
        )
        conn.execute(
            sa.text(
                "CREATE TRIGGER fail_twice AFTER INSERT ON payments "
                "FOR EACH ROW EXECUTE FUNCTION fail_twice()"
            )
        )
    payment = pl.payments.record(invoice)
    assert len(delays) == 2
    assert [p.id for p in pl.payments.list(org.id)] == [payment.id]
    assert pl.invoices.get(org, invoice.id).status == "paid"
    assert listener.paid == [invoice.id]
    assert listener.recorded == [payment.id]
    pl.close()

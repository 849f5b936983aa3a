"""One meaning per public name: the renamed classes, and their old names for one release."""

from __future__ import annotations

import pytest

import paylink
import paylink.reconcile
import paylink.reconcile.engine
import paylink.reports


def test_each_public_class_name_means_one_thing() -> None:
    assert paylink.reconcile.ProposedAllocation is not paylink.Allocation
    assert paylink.reports.AgingItem is not paylink.reconcile.OpenItem
    assert "Allocation" not in paylink.reconcile.__all__
    assert "OpenItem" not in paylink.reports.__all__


@pytest.mark.parametrize(
    ("module", "old", "new"),
    [
        (paylink.reconcile, "Allocation", "ProposedAllocation"),
        (paylink.reconcile.engine, "Allocation", "ProposedAllocation"),
        (paylink.reports, "OpenItem", "AgingItem"),
    ],
)
def test_an_old_name_still_works_with_a_deprecation_warning(
    module: object, old: str, new: str
) -> None:
    with pytest.warns(DeprecationWarning, match=f"{old} is now called {new}"):
        value = getattr(module, old)
    assert value is getattr(module, new)


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nonsense'"):
        paylink.reports.Nonsense  # noqa: B018


# One door per action: the other doors still open, and say which one to use.
def test_pl_send_is_a_deprecated_alias_of_messages_send() -> None:
    with paylink.Paylink.open("sqlite://", base_url="https://pay.example.com") as pl:
        with pytest.warns(DeprecationWarning, match="use pl.messages.send"):
            send = pl.send
        assert send == pl.messages.send


def test_pl_reconcile_is_a_deprecated_alias_of_reconciliation_run() -> None:
    with paylink.Paylink.open("sqlite://", base_url="https://pay.example.com") as pl:
        org = pl.organizations.create(name="Garage", country="BE", iban="BE71096123456769")
        with pytest.warns(DeprecationWarning, match="use pl.reconciliation.run"):
            old = pl.reconcile(org)
        new = pl.reconciliation.run(org)
        assert (old.applied, old.review) == (new.applied, new.review) == ((), ())


def test_refunds_have_one_door_in_payments() -> None:
    with paylink.Paylink.open("sqlite://", base_url="https://pay.example.com") as pl:
        assert pl.payments.refunds("pay_none") == []
        with pytest.warns(DeprecationWarning, match="use pl.payments.refunds"):
            assert pl.providers.refunds("pay_none") == []
        assert "deprecated" in (type(pl.providers).refund.__doc__ or "").lower()
        assert "deprecated" not in (type(pl.payments).refund.__doc__ or "").lower()


def test_each_action_has_one_documented_door() -> None:
    """A method whose docstring does not say 'Deprecated alias' is a door; two namespaces never
    both offer the same action undeprecated."""
    from paylink.service import Paylink

    doors = {
        ("messages", "send"): [("", "send")],
        ("reconciliation", "run"): [("", "reconcile")],
        ("payments", "refund"): [("providers", "refund")],
        ("payments", "refunds"): [("providers", "refunds")],
    }
    with Paylink.open("sqlite://", base_url="https://pay.example.com") as pl:
        for (namespace, name), aliases in doors.items():
            assert "Deprecated" not in (getattr(type(getattr(pl, namespace)), name).__doc__ or "")
            for alias_namespace, alias in aliases:
                owner = type(getattr(pl, alias_namespace)) if alias_namespace else Paylink
                assert (getattr(owner, alias).__doc__ or "").startswith("Deprecated alias")


def test_internals_are_private_or_documented() -> None:
    """Every public attribute of the Paylink and its namespaces has a docstring (data
    attributes are documented in the class docstring), and plugins.pm is read only."""
    from paylink.plugins import Plugins

    assert isinstance(Plugins.__dict__["pm"], property)
    assert Plugins.__dict__["pm"].fset is None
    with paylink.Paylink.open("sqlite://", base_url="https://pay.example.com") as pl:
        with pytest.raises(AttributeError):
            pl.plugins.pm = None  # type: ignore[misc]
        for name in ("transport", "sleep"):
            attribute = type(pl.providers).__dict__[name]
            assert isinstance(attribute, property) and attribute.__doc__
        for namespace in vars(pl).values():
            if namespace is pl._ctx:
                continue
            for name in vars(namespace):
                assert name.startswith("_"), f"{type(namespace).__name__}.{name} is public"
            for name in dir(type(namespace)):
                if not name.startswith("_"):
                    member = getattr(type(namespace), name)
                    if callable(member) or isinstance(member, property):
                        assert member.__doc__, f"{type(namespace).__name__}.{name} undocumented"


def test_every_get_takes_the_organization_first() -> None:
    """Multi-tenant safety: an id from a URL cannot read another organization's object; the
    one-argument form still works for one release, with a warning naming the new one."""
    import inspect

    from paylink import Line, NotFound

    with paylink.Paylink.open("sqlite://", base_url="https://pay.example.com") as pl:
        for namespace in ("customers", "catalog", "invoices", "quotes", "purchases", "payments",
                          "links", "outbox", "providers"):  # fmt: skip
            first = next(iter(inspect.signature(getattr(pl, namespace).get).parameters))
            assert first == "org", namespace
        mine = pl.organizations.create(name="Mine", country="BE", iban="BE71096123456769")
        theirs = pl.organizations.create(name="Theirs", country="BE", iban="BE62510007547061")
        customer = pl.customers.create(mine, name="Marie", email="marie@example.be")
        line = Line(description="Work", quantity="1", unit_price="100", vat_rate="21")
        invoice = pl.invoices.issue(mine, customer, lines=[line])
        link = pl.links.create(invoice)
        quote = pl.quotes.create(mine, customer, lines=[line])
        (message,) = pl.messages.send(invoice, via="email")
        for namespace, obj in (
            ("invoices", invoice),
            ("links", link),
            ("quotes", quote),
            ("outbox", message),
        ):
            get = getattr(pl, namespace).get
            assert get(mine, obj.id).id == obj.id
            with pytest.raises(NotFound):
                get(theirs, obj.id)
            with pytest.warns(DeprecationWarning, match=rf"pl.{namespace}.get\(org, id\)"):
                assert get(obj.id).id == obj.id

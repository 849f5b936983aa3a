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

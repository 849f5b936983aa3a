"""paylink: get invoices paid.

Quotes and invoices with structured references, payment links, reminders, bank statements and
reconciliation, with payment providers, message channels and bank feeds as plugins.

>>> from paylink import Paylink, Line
>>> pl = Paylink.open("sqlite://")
>>> pl.close()
"""

import typing as _typing
from importlib import import_module as _import_module

if _typing.TYPE_CHECKING:
    __version__: str

    from .catalog import CatalogItem
    from .clock import Clock, FixedClock, SystemClock
    from .documents import CreditNote, Invoice, Line, PurchaseInvoice, Quote, VatLine
    from .exceptions import (
        ConfigurationError,
        ConflictError,
        NotFound,
        PaylinkError,
        PluginError,
        ProviderError,
        StateError,
        StatementError,
        ValidationError,
        WebhookRejected,
    )
    from .hookspecs import hookimpl
    from .links import PaymentLink
    from .money import Money
    from .parties import Address, Customer, Organization
    from .payments import Allocation, Payment
    from .references import Reference
    from .service import Paylink


__all__ = [
    "Address",
    "Allocation",
    "CatalogItem",
    "Clock",
    "ConfigurationError",
    "ConflictError",
    "CreditNote",
    "Customer",
    "FixedClock",
    "Invoice",
    "Line",
    "Money",
    "NotFound",
    "Organization",
    "Paylink",
    "PaylinkError",
    "Payment",
    "PaymentLink",
    "PluginError",
    "ProviderError",
    "PurchaseInvoice",
    "Quote",
    "Reference",
    "StateError",
    "StatementError",
    "SystemClock",
    "ValidationError",
    "VatLine",
    "WebhookRejected",
    "__version__",
    "hookimpl",
]

# Each everyday name, and the module it lives in. They are imported on first use (PEP 562), so
# that ``import paylink.statements`` or ``import paylink.money`` in a notebook does not bring in
# the service, the store and its database drivers.
_HOMES: dict[str, str] = {
    "Address": "parties",
    "Allocation": "payments",
    "CatalogItem": "catalog",
    "Clock": "clock",
    "ConfigurationError": "exceptions",
    "ConflictError": "exceptions",
    "CreditNote": "documents",
    "Customer": "parties",
    "FixedClock": "clock",
    "Invoice": "documents",
    "Line": "documents",
    "Money": "money",
    "NotFound": "exceptions",
    "Organization": "parties",
    "Paylink": "service",
    "PaylinkError": "exceptions",
    "Payment": "payments",
    "PaymentLink": "links",
    "PluginError": "exceptions",
    "ProviderError": "exceptions",
    "PurchaseInvoice": "documents",
    "Quote": "documents",
    "Reference": "references",
    "StateError": "exceptions",
    "StatementError": "exceptions",
    "SystemClock": "clock",
    "ValidationError": "exceptions",
    "VatLine": "documents",
    "WebhookRejected": "exceptions",
    "hookimpl": "hookspecs",
}


def __getattr__(name: str) -> _typing.Any:
    if name == "__version__":
        # Read on first use: importlib.metadata costs more than the statement reader's import.
        from importlib.metadata import version

        globals()[name] = version("paylink-invoices")
        return globals()[name]
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_import_module(f".{home}", __name__), name)
    globals()[name] = value  # found once; later look-ups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

"""paylink: get invoices paid.

Quotes and invoices with structured references, payment links, reminders, bank statements and
reconciliation, with payment providers, message channels and bank feeds as plugins.

>>> from paylink import Paylink, Line
>>> pl = Paylink.open("sqlite://")
"""

from importlib.metadata import version as _version

from .catalog import CatalogItem
from .clock import Clock, FixedClock, SystemClock
from .documents import CreditNote, Invoice, Line, PurchaseInvoice, Quote, VatLine
from .exceptions import (
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

__version__ = _version("paylink")

__all__ = [
    "Address",
    "Allocation",
    "CatalogItem",
    "Clock",
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

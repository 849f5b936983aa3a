"""The web app: pay pages, quote approval, customer portal and receipts (Starlette, ASGI).

Needs the ``web`` extra: ``pip install "paylink-invoices[web]"`` (without it, importing this
package raises :class:`~paylink.exceptions.MissingExtra` naming the extra).

    from paylink import Paylink
    from paylink.web import create_app

    app = create_app(Paylink.open("sqlite:///shop.db"), base_url="https://pay.example.com")
"""

from ..extras import require

require("starlette", extra="web", feature="the web app (paylink.web)")

from .app import create_app  # noqa: E402

__all__ = ["create_app"]

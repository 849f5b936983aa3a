"""The web app: pay pages, quote approval, customer portal and receipts (Starlette, ASGI).

Needs the ``web`` extra: ``pip install "paylink[web]"``.

    from paylink import Paylink
    from paylink.web import create_app

    app = create_app(Paylink.open(), base_url="https://pay.example.com")
"""

from .app import create_app

__all__ = ["create_app"]

"""Billit behind ``pl.einvoices``: sent strictly over Peppol, followed by polling and by
Billit-signed webhooks through the web app's ``/webhooks/einvoice/billit/{account_id}``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest

from paylink import FixedClock, Line, Paylink
from paylink.parties import Address
from paylink.web import create_app
from paylink_providers.billit import billit_signature

from ...reports.test_dashboard import serve as serve_app
from ._fake_billit import API_KEY, PARTY_ID, WEBHOOK_SECRET, FakeBillit
from ._loopback import serve

START = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def fake() -> Iterator[tuple[FakeBillit, str]]:
    billit = FakeBillit()
    with serve(billit.handle) as url:
        yield billit, url


def test_billit_delivery_by_polling_and_by_signed_webhook(
    tmp_path: object, fake: tuple[FakeBillit, str]
) -> None:
    billit, url = fake
    clock = FixedClock(START)
    pl = Paylink.open(f"sqlite:///{tmp_path}/b.db", clock=clock, base_url="https://pay.example")
    try:
        org = pl.organizations.create(
            name="Garage Dupont SRL", country="BE", iban="BE71096123456769",
            vat_id="BE0403170701", email="billing@garage.example",
            address=Address(street="Rue de la Loi 16", postal_code="1000", city="Bruxelles",
                            country="BE"),
        )  # fmt: skip
        account = pl.einvoices.connect(
            org, "billit", api_key=API_KEY, party_id=PARTY_ID, webhook_secret=WEBHOOK_SECRET,
            base_url=url,
        )  # fmt: skip
        assert API_KEY not in repr(account) and WEBHOOK_SECRET not in repr(account)
        invoices = []
        for name, vat in (("Janssens NV", "BE0202239951"), ("Pièces SA", "BE0897223670")):
            billit.register(f"0208:{vat[2:]}")
            buyer = pl.customers.create(
                org, name=name, vat_id=vat, email="ap@buyer.example",
                address=Address(street="Meir 1", postal_code="2000", city="Antwerpen",
                                country="BE"),
            )  # fmt: skip
            invoice = pl.invoices.issue(
                org, buyer, lines=[Line(description="Labour", quantity="1", unit_price="80",
                                        vat_rate="21")],
            )  # fmt: skip
            pl.einvoices.set_references(invoice, buyer_reference="PO-9")
            invoices.append(invoice)
        first = pl.einvoices.send(invoices[0])
        second = pl.einvoices.send(invoices[1])
        assert (first.via, first.status) == ("network", "queued")

        # polling: Billit says the first one is delivered
        billit.set_status(first.network_id or "", "Delivered")
        moved = pl.einvoices.refresh_pending(org)
        assert [(d.id, d.status) for d in moved] == [(first.id, "delivered")]

        # a webhook: the second one refused, signed as Billit signs
        body = json.dumps(
            {
                "OrderID": int(second.network_id or 0),
                "EntityType": "Order",
                "CurrentDocumentDeliveryDetails": {
                    "IsDocumentDelivered": False,
                    "DocumentDeliveryStatus": "Error",
                    "DocumentRefusedInfo": "Unknown purchase order PO-9",
                },
            }
        ).encode()
        path = f"/webhooks/einvoice/billit/{account.id}"
        now = int(START.timestamp())
        with serve_app(create_app(pl)) as http:
            forged = http.post(
                path,
                content=body,
                headers={"billit-signature": billit_signature(body, "x" * 20, now)},
            )
            assert forged.status_code == 401
            stale = http.post(
                path,
                content=body,
                headers={"billit-signature": billit_signature(body, WEBHOOK_SECRET, now - 900)},
            )
            assert stale.status_code == 401
            assert pl.einvoices.deliveries(invoices[1])[0].status == "queued"
            good = http.post(
                path,
                content=body,
                headers={"billit-signature": billit_signature(body, WEBHOOK_SECRET, now)},
            )
            assert good.status_code == 200, good.text
        [refused] = pl.einvoices.deliveries(invoices[1])
        assert refused.status == "refused"
        assert refused.reason == "Unknown purchase order PO-9"
        assert [status for status, _at, _detail in refused.history] == ["queued", "refused"]
    finally:
        pl.close()

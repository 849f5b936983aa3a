"""The static Payconiq QR on the invoice (Payconiq's Invoice product) and its callbacks."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import Any

import pytest
import zxingcpp
from PIL import Image, ImageDraw
from pytest_httpx import HTTPXMock

from paylink import FixedClock, Invoice, Money, Paylink
from paylink.exceptions import ValidationError, WebhookRejected
from paylink.parties import Customer, Organization
from paylink.providers import ProviderAccount
from paylink_providers.payconiq import Payconiq, invoice_qr_payload

from ..conftest import lines
from ._jws import JWKS_URL, PROFILE, TestSigner
from ._pay import data, no_sleep, webhook

INVOICE_PROFILE = "6fyyyyyyyyyyyyyyyyyyyy61"
PAYMENT_ID = "7cdb1685b93d1c000bde9701"


def test_the_payload_is_payconiqs_invoice_url() -> None:
    url = invoice_qr_payload(
        INVOICE_PROFILE, Money.of("146.00", "EUR"), "Invoice 2026/0001", "+++260/0000/00197+++"
    )
    assert url == (
        f"https://payconiq.com/t/1/{INVOICE_PROFILE}"
        "?A=14600&D=Invoice%202026%2F0001&R=%2B%2B%2B260%2F0000%2F00197%2B%2B%2B"
    )
    assert invoice_qr_payload("abc123", Money.of("0.05", "EUR"), "é&=?", "R1").endswith(
        "?A=5&D=%C3%A9%26%3D%3F&R=R1"
    )


def test_description_and_reference_are_cut_to_35_characters() -> None:
    url = invoice_qr_payload("abc123", Money.of("1", "EUR"), "d" * 50, "  " + "r" * 40 + " ")
    assert url == f"https://payconiq.com/t/1/abc123?A=100&D={'d' * 35}&R={'r' * 35}"


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        (("abc123", Money.of("10", "USD"), "d", "r"), "amount", "EUR only, not USD"),
        (("abc123", Money.of("0", "EUR"), "d", "r"), "amount", "positive"),
        (("abc123", Money.of("1", "EUR"), " ", "r"), "description", "description is empty"),
        (("abc123", Money.of("1", "EUR"), "d", ""), "reference", "reference is empty"),
        (("a/b", Money.of("1", "EUR"), "d", "r"), "invoice_profile_id", "profile id"),
        (("", Money.of("1", "EUR"), "d", "r"), "invoice_profile_id", "profile id"),
    ],
)
def test_bad_payload_input_names_the_field(args: Any, field: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        invoice_qr_payload(*args)
    assert caught.value.field == field


def test_the_setting_is_declared_and_optional() -> None:
    assert "invoice_profile_id" in Payconiq.settings_spec
    assert not Payconiq.settings_spec["invoice_profile_id"].required
    plain = Payconiq(api_key="k", payment_profile_id=PROFILE)
    assert plain.invoice_qr(Money.of("5", "EUR"), "d", "r") is None
    with_invoice = Payconiq(
        api_key="k", payment_profile_id=PROFILE, invoice_profile_id=INVOICE_PROFILE
    )
    assert with_invoice.invoice_qr(Money.of("5", "USD"), "d", "r") is None
    assert with_invoice.invoice_qr(Money.of("5", "EUR"), "d", "r") == (
        f"https://payconiq.com/t/1/{INVOICE_PROFILE}?A=500&D=d&R=r"
    )


def connect(pl: Paylink, org: Organization, **settings: Any) -> ProviderAccount:
    no_sleep(pl)
    return pl.providers.connect(
        org,
        "payconiq",
        api_key="payconiq-api-key-0123456789abcdef",
        base_url="https://api.ext.payconiq.com",
        payment_profile_id=PROFILE,
        jwks_url=JWKS_URL,
        **settings,
    )


def decoded_qrs(html: str) -> list[str]:
    """Every QR code drawn in the page, drawn again from its SVG path and read by zxing-cpp."""
    texts = []
    for svg in re.findall(r"<svg[^>]*>.*?</svg>", html, flags=re.S):
        width = int(re.search(r'width="(\d+)"', svg).group(1)) // 3  # type: ignore[union-attr]
        path = re.search(r' d="([^"]+)"', svg).group(1)  # type: ignore[union-attr]
        image = Image.new("1", (width, width), 1)
        draw = ImageDraw.Draw(image)
        x = y = 0.0
        for op, a, b in re.findall(r"([Mmhv])(-?[\d.]+)(?: (-?[\d.]+))?", path):
            if op == "M":
                x, y = float(a), float(b)
            elif op == "m":
                x, y = x + float(a), y + float(b)
            elif op == "h":
                draw.rectangle((x, int(y), x + float(a) - 1, int(y)), fill=0)
                x += float(a)
        big = image.convert("L").resize((width * 8, width * 8), Image.NEAREST)
        texts += [r.text for r in zxingcpp.read_barcodes(big)]
    return texts


def payconiq_url(invoice: Invoice, amount: str) -> str:
    assert invoice.reference is not None
    return (
        f"https://payconiq.com/t/1/{INVOICE_PROFILE}?A={amount}"
        f"&D={invoice.number.replace('/', '%2F')}&R={invoice.reference.value}"
    )


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_invoice_carries_the_payconiq_qr(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    connect(pl, org, invoice_profile_id=INVOICE_PROFILE)
    invoice = pl.invoices.issue(org, customer, lines=lines())
    html = pl.renditions.html(invoice)  # the customer's language: French
    assert 'class="qr provider-qr"' in html
    assert "Payconiq : scannez avec l&#39;app Payconiq ou Bancontact" in html
    english = pl.renditions.html(invoice, language="en")
    assert "Payconiq: scan with the Payconiq or Bancontact app" in english
    qrs = decoded_qrs(html)
    assert qrs[0].startswith("BCD\n")  # the EPC QR is still there, first
    assert qrs[1:] == [payconiq_url(invoice, "14600")]
    dutch = pl.renditions.html(invoice, language="nl")
    assert "Payconiq: scan met de Payconiq- of Bancontact-app" in dutch
    # A reminder letter asks for its own fee too, as its EPC QR does.
    letter = pl.renditions.html(invoice, kind="reminder", step=2, fees=Money.of("10", "EUR"))
    epc, payconiq = decoded_qrs(letter)
    assert (epc.split("\n")[7], payconiq) == ("EUR156", payconiq_url(invoice, "15600"))
    # Part paid: the QR asks for what is still open.
    pl.payments.record(invoice, Money.of("46.00", "EUR"))
    assert decoded_qrs(pl.renditions.html(invoice))[1:] == [payconiq_url(invoice, "10000")]
    pl.payments.record(invoice, Money.of("100.00", "EUR"))
    assert "provider-qr" not in pl.renditions.html(invoice)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_pdf_carries_both_qr_codes_as_a_phone_reads_them(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    import pypdfium2

    connect(pl, org, invoice_profile_id=INVOICE_PROFILE)
    invoice = pl.invoices.issue(org, customer, lines=lines())
    page = pypdfium2.PdfDocument(pl.renditions.pdf(invoice))[0]
    found = sorted(r.text for r in zxingcpp.read_barcodes(page.render(scale=3).to_pil()))
    assert len(found) == 2, found
    epc, payconiq = found  # "BCD…" sorts before "https…"
    assert epc.split("\n")[:3] == ["BCD", "002", "1"] and epc.split("\n")[7] == "EUR146"
    assert payconiq == payconiq_url(invoice, "14600")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_no_payconiq_qr_without_the_setting_the_account_or_euros(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    invoice = pl.invoices.issue(org, customer, lines=lines())
    assert "provider-qr" not in pl.renditions.html(invoice)  # no account
    connect(pl, org)
    assert "provider-qr" not in pl.renditions.html(invoice)  # no invoice profile
    connect(pl, org, invoice_profile_id=INVOICE_PROFILE)
    dollars = pl.invoices.issue(org, customer, lines=lines(), currency="USD")
    assert "provider-qr" not in pl.renditions.html(dollars)
    assert "provider-qr" in pl.renditions.html(invoice)
    pl.providers.disconnect(org, "payconiq")
    assert "provider-qr" not in pl.renditions.html(invoice)


def invoice_callback(
    pl: Paylink,
    account: ProviderAccount,
    signer: TestSigner,
    at: dt.datetime,
    reference: str,
    amount: int,
    profile: str = INVOICE_PROFILE,
    payment_id: str = PAYMENT_ID,
) -> list[str]:
    body = data("payconiq", "callback_succeeded.json")
    body.update(paymentId=payment_id, reference=reference, amount=amount, description="x")
    raw = json.dumps(body).encode()
    signature = signer.sign(raw, path=account.webhook_url, at=at, profile=profile)
    return pl.providers.handle_webhook(
        "payconiq",
        account.id,
        webhook(account.webhook_url, raw, {"Signature": signature}),
    )


def test_a_callback_with_the_invoice_reference_pays_it_once(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    clock: FixedClock,
    httpx_mock: HTTPXMock,
) -> None:
    signer = TestSigner()
    httpx_mock.add_response(method="GET", url=JWKS_URL, json={"keys": [signer.jwk()]})
    account = connect(pl, org, invoice_profile_id=INVOICE_PROFILE)
    invoice = pl.invoices.issue(org, customer, lines=lines())
    other = pl.invoices.issue(org, customer, lines=lines())
    assert invoice.reference is not None
    now = clock.now()
    assert invoice_callback(pl, account, signer, now, invoice.reference.value, 14600) == ["applied"]
    assert invoice_callback(pl, account, signer, now, invoice.reference.value, 14600) == [
        "duplicate"
    ]
    assert pl.invoices.get(org, invoice.id).status == "paid"
    assert pl.invoices.get(org, other.id).status == "issued"
    (payment,) = pl.payments.list(org.id)
    assert (payment.provider, payment.provider_reference) == ("payconiq", PAYMENT_ID)
    assert payment.amount == Money.of("146.00", "EUR")
    assert [a.invoice_id for a in payment.allocations] == [invoice.id]


def test_a_callback_by_number_or_printed_reference_and_unknown_references(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    clock: FixedClock,
    httpx_mock: HTTPXMock,
) -> None:
    signer = TestSigner()
    httpx_mock.add_response(method="GET", url=JWKS_URL, json={"keys": [signer.jwk()]})
    account = connect(pl, org, invoice_profile_id=INVOICE_PROFILE)
    first = pl.invoices.issue(org, customer, lines=lines())
    second = pl.invoices.issue(org, customer, lines=lines())
    assert first.reference is not None and first.number
    now = clock.now()
    assert invoice_callback(pl, account, signer, now, "no such invoice", 14600) == ["unknown_link"]
    assert pl.payments.list(org.id) == []
    by_printed = invoice_callback(
        pl, account, signer, now, str(first.reference), 5000, payment_id="7cdb1685b93d1c0002"
    )
    by_number = invoice_callback(
        pl, account, signer, now, second.number, 14600, payment_id="7cdb1685b93d1c0003"
    )
    assert (by_printed, by_number) == (["applied"], ["applied"])
    assert pl.invoices.get(org, first.id).status == "partially_paid"
    assert pl.invoices.get(org, first.id).open_amount == Money.of("96.00", "EUR")
    assert pl.invoices.get(org, second.id).status == "paid"


def test_the_invoice_profiles_callbacks_are_accepted_only_when_configured(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    clock: FixedClock,
) -> None:
    signer = TestSigner()  # refused on the profile, before any key is fetched
    account = connect(pl, org)
    invoice = pl.invoices.issue(org, customer, lines=lines())
    assert invoice.reference is not None
    with pytest.raises(WebhookRejected, match="another payment profile"):
        invoice_callback(pl, account, signer, clock.now(), invoice.reference.value, 14600)
    assert pl.invoices.get(org, invoice.id).status == "issued"


def test_a_callback_for_a_cancelled_invoice_is_logged_not_recorded(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    clock: FixedClock,
    httpx_mock: HTTPXMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    signer = TestSigner()
    httpx_mock.add_response(method="GET", url=JWKS_URL, json={"keys": [signer.jwk()]})
    account = connect(pl, org, invoice_profile_id=INVOICE_PROFILE)
    invoice = pl.invoices.issue(org, customer, lines=lines())
    assert invoice.reference is not None
    pl.invoices.cancel(invoice)  # the customer scanned the QR of the printed invoice anyway
    with caplog.at_level(logging.ERROR, logger="paylink"):
        outcome = invoice_callback(pl, account, signer, clock.now(), invoice.reference.value, 14600)
    assert outcome == ["not_applied"]
    assert pl.payments.list(org) == []
    assert pl.invoices.get(org, invoice.id).status == "cancelled"
    (error,) = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert error.startswith(f"payconiq payment {PAYMENT_ID} for invoice {invoice.number} ")
    assert "was not recorded" in error

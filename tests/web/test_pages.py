"""The customer pages over real HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pypdf
import pytest
import zxingcpp
from PIL import Image

from paylink import Line
from paylink.parties import Address
from paylink.web import create_app
from paylink.web.security import is_preview_agent
from tests.web.conftest import Live

PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def setup_invoice(live: Live, *, name: str = "Marie Peeters", language: str = "en") -> Any:
    pl = live.pl
    org = pl.organizations.create(
        name="Garage Dupont SRL",
        country="BE",
        iban="BE71 0961 2345 6769",
        bic="GKCCBEBB",
        phone="+32 2 550 18 11",
        email="billing@garage.example",
        vat_id="BE0403170701",
    )
    customer = pl.customers.create(org, name=name, language=language, email="m@example.be")
    invoice = pl.invoices.issue(
        org,
        customer,
        lines=[
            Line(description="Brake pads", quantity="2", unit_price="45.00", vat_rate="21"),
        ],
    )
    return org, customer, invoice, pl.links.create(invoice)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(headers={"user-agent": PHONE_UA}, timeout=10) as http:
        yield http


def test_pay_page_shows_what_is_due(live: Live, client: httpx.Client) -> None:
    _org, _cust, _invoice, link = setup_invoice(live)
    response = client.get(link.url)
    assert response.status_code == 200
    html = response.text
    assert "€108.90" in html
    assert "2026-000001" in html
    assert "+++202/6000/00192+++" in html
    assert "BE71 0961 2345 6769" in html
    assert "GKCCBEBB" in html
    assert 'href="tel:+3225501811"' in html
    assert 'href="mailto:billing@garage.example"' in html
    assert "Brake pads" in html
    assert (
        live.pl.links.get(link.organization_id, link.id).status == "created"
    )  # a GET alone is not "opened"


def test_pages_speak_the_customers_language(live: Live, client: httpx.Client) -> None:
    _org, _cust, _invoice, link = setup_invoice(live, language="fr")
    html = client.get(link.url).text
    assert "Montant dû" in html
    assert "108,90\u00a0€" in html
    assert 'lang="fr"' in html
    assert "Te betalen" in client.get(link.url, params={"lang": "nl"}).text
    assert "Offener Betrag" in client.get(link.url, params={"lang": "de"}).text


def test_security_headers(live: Live, client: httpx.Client) -> None:
    link = setup_invoice(live)[3]
    headers = client.get(link.url).headers
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'none'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store"


def test_customer_input_is_escaped(live: Live, client: httpx.Client) -> None:
    org, _customer, _invoice, _link = setup_invoice(live)
    evil = live.pl.customers.create(org, name="<script>alert(1)</script>")
    invoice = live.pl.invoices.issue(
        org,
        evil,
        lines=[
            Line(
                description="<img src=x onerror=alert(2)>",
                quantity="1",
                unit_price="5",
                vat_rate="0",
            )
        ],
    )
    link = live.pl.links.create(invoice)
    html = client.get(f"{link.url}/invoice").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


def test_unknown_expired_and_cancelled_links_look_the_same(
    live: Live, client: httpx.Client
) -> None:
    pl = live.pl
    _org, _customer, invoice, link = setup_invoice(live)
    pl.links.cancel(link)
    second = setup_invoice(live)[3]
    expiring = pl.links.request(
        second.organization_id,
        None,
        amount="5",
        description="Parking",
        expires_at=live.clock.now(),
    )
    answers = [
        client.get(f"{live.base}/pay/{token}")
        for token in (link.token, expiring.token, "x" * 32, "short")
    ]
    assert {a.status_code for a in answers} == {404}
    bodies = {re.sub(r'nonce-[^"\';]+|nonce="[^"]+"', "", a.text) for a in answers}
    assert len(bodies) == 1
    assert "This link is not valid" in answers[0].text
    assert invoice.number not in answers[0].text


def test_the_epc_qr_code_scans_to_the_invoice(live: Live, client: httpx.Client) -> None:
    org, _customer, invoice, link = setup_invoice(live)
    html = client.get(link.url).text
    src = re.search(r'<img class="qr" src="([^"]+)"', html)
    assert src is not None
    image = client.get(src.group(1))
    assert image.headers["content-type"] == "image/png"
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.content)))
    assert len(results) == 1
    assert results[0].text.split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "GKCCBEBB",
        "Garage Dupont SRL",
        "BE71096123456769",
        "EUR108.9",
        "",
        str(invoice.reference),
        "",
    ]
    assert org.iban == "BE71096123456769"


def test_the_qr_follows_the_open_amount(live: Live, client: httpx.Client) -> None:
    _org, _customer, invoice, link = setup_invoice(live)
    live.pl.payments.record(invoice, "8.90")
    html = client.get(link.url).text
    assert "€100.00" in html
    image = client.get(f"{link.url}/qr.png")
    text = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.content)))[0].text
    assert "\nEUR100\n" in text


def test_opened_is_recorded_from_the_beacon_only_for_people(
    live: Live, client: httpx.Client
) -> None:
    link = setup_invoice(live)[3]
    html = client.get(link.url).text
    beacon = re.search(r'data-beacon="([^"]+)" data-csrf="([^"]+)"', html)
    assert beacon is not None
    url, csrf = beacon.groups()
    # Robots: HEAD requests and preview agents change nothing.
    assert client.head(link.url).status_code == 200
    for agent in (
        "WhatsApp/2.23.20.0",
        "facebookexternalhit/1.1",
        "Slackbot-LinkExpanding 1.0",
        "Mozilla/5.0 (compatible; Microsoft Outlook SafeLinks)",
        "",
    ):
        client.get(link.url, headers={"user-agent": agent})
        assert (
            client.post(url, data={"csrf": csrf}, headers={"user-agent": agent}).status_code == 204
        )
    assert live.pl.links.get(link.organization_id, link.id).status == "created"
    # A forged beacon is refused.
    assert client.post(url, data={"csrf": "0" * 64}).status_code == 403
    assert client.post(url, data={"csrf": csrf}).status_code == 204
    stored = live.pl.links.get(link.organization_id, link.id)
    assert stored.status == "opened"
    assert (stored.history[-1].status, stored.history[-1].source) == ("opened", "web")


def test_receipt_once_paid(live: Live, client: httpx.Client) -> None:
    _org, _customer, invoice, link = setup_invoice(live)
    live.pl.payments.record(invoice, method="bank_transfer")
    html = client.get(link.url).text
    assert "Thank you, this is paid" in html
    assert "€108.90" in html
    assert client.get(f"{link.url}/qr.png").status_code == 404


def test_the_receipt_says_its_number_the_method_and_the_day_the_money_came(
    live: Live, client: httpx.Client
) -> None:
    _org, _customer, invoice, link = setup_invoice(live, language="nl")
    live.clock.advance(days=5)  # recorded today, received (on the statement) three days ago
    received = (live.clock.now() - dt.timedelta(days=3)).date()
    live.pl.payments.record(invoice, method="bank_transfer", received_on=received)
    html = client.get(link.url).text
    assert "Nummer van het betalingsbewijs" in html
    assert re.search(r'data-testid="receipt-number">2026-000001-1<', html)
    assert re.search(r'data-testid="receipt-method">overschrijving<', html)
    assert re.search(r'data-testid="paid-on">4 maart 2026<', html)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found is not None
    return found.group(1)


def test_quote_approval_issues_the_invoice_and_goes_to_pay(
    live: Live, client: httpx.Client
) -> None:
    pl = live.pl
    org, customer, _invoice, _link = setup_invoice(live)
    quote = pl.quotes.send(
        pl.quotes.create(
            org,
            customer,
            lines=[Line(description="Timing belt", quantity="1", unit_price="400", vat_rate="21")],
        )
    )
    url = pl.quotes.url(quote)
    page = client.get(url)
    assert "€484.00" in page.text
    assert quote.number in page.text
    assert client.post(f"{url}/approve", data={"csrf": "bad"}).status_code == 403
    assert pl.quotes.get(org, quote.id).status == "sent"
    response = client.post(
        f"{url}/approve", data={"csrf": _csrf(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303
    stored = pl.quotes.get(org, quote.id)
    assert stored.status == "approved"
    assert stored.decision["user_agent"] == PHONE_UA
    assert stored.decision["ip"] == "127.0.0.1"
    assert stored.decided_at == live.clock.now()
    pay = client.get(response.headers["location"])
    assert "€484.00" in pay.text
    assert "2026-000002" in pay.text
    # Approving twice changes nothing and goes back to the quote.
    again = client.post(f"{url}/approve", data={"csrf": _csrf(page.text)}, follow_redirects=False)
    assert again.status_code == 303
    assert len(pl.invoices.list(org)) == 2


def test_quote_decline_with_a_reason(live: Live, client: httpx.Client) -> None:
    pl = live.pl
    org, customer, _invoice, _link = setup_invoice(live, language="nl")
    quote = pl.quotes.send(
        pl.quotes.create(
            org,
            customer,
            lines=[Line(description="Tyres", quantity="4", unit_price="90", vat_rate="21")],
        )
    )
    url = pl.quotes.url(quote)
    csrf = _csrf(client.get(url).text)
    done = client.post(
        f"{url}/decline", data={"csrf": csrf, "reason": "Te duur"}, follow_redirects=True
    )
    assert "U hebt deze offerte geweigerd" in done.text
    stored = pl.quotes.get(org, quote.id)
    assert stored.status == "declined"
    assert stored.decision == {"reason": "Te duur"}


def test_portal_lists_invoices_and_pays_all(live: Live, client: httpx.Client) -> None:
    pl = live.pl
    org, customer, first, _link = setup_invoice(live)
    second = pl.invoices.issue(
        org, customer, lines=[Line(description="Oil", quantity="1", unit_price="50", vat_rate="21")]
    )
    url = pl.portal.url(customer)
    page = client.get(url).text
    assert "€169.40" in page  # 108.90 + 60.50
    assert first.number in page
    assert second.number in page
    code = client.get(f"{url}/code.svg")
    assert code.headers["content-type"] == "image/svg+xml"
    response = client.post(f"{url}/pay-all", data={"csrf": _csrf(page)}, follow_redirects=False)
    assert response.status_code == 303
    pay_all = pl.links.get_by_token(response.headers["location"].rsplit("/", 1)[1])
    assert pay_all is not None
    assert pay_all.settles == (first.id, second.id)
    assert "€169.40" in client.get(response.headers["location"]).text
    one = client.post(
        f"{url}/pay", data={"csrf": _csrf(page), "invoice": second.id}, follow_redirects=False
    )
    assert one.headers["location"] == pl.links.create(second).url
    other = pl.customers.create(org, name="Someone else")
    foreign = pl.invoices.issue(
        org, other, lines=[Line(description="x", quantity="1", unit_price="1", vat_rate="0")]
    )
    assert (
        client.post(f"{url}/pay", data={"csrf": _csrf(page), "invoice": foreign.id}).status_code
        == 404
    )


def test_quick_payment_request_page(live: Live, client: httpx.Client) -> None:
    org, customer, _invoice, _link = setup_invoice(live)
    link = live.pl.links.request(org, customer, amount="25", description="Deposit")
    html = client.get(link.url).text
    assert "Deposit" in html
    assert "€25.00" in html
    assert "+++900/0000/00116+++" in html


def test_a_portal_that_asks_for_a_code_by_sms(
    live: Live, client: httpx.Client, tmp_path: Path
) -> None:
    pl = live.pl
    org, customer, invoice, _link = setup_invoice(live)
    customer = pl.customers.update(customer, phone="+32470123456")
    pl.channels.configure(org, "outbox", directory=str(tmp_path / "outbox"))
    open_url = pl.portal.url(customer)
    url = pl.portal.url(customer, require_code=True)
    assert url != open_url
    assert client.get(open_url).status_code == 404  # the link without a code stops working
    page = client.get(url)
    assert page.status_code == 200 and "Send me a code by SMS" in page.text
    assert invoice.number not in page.text
    assert client.get(f"{url}/code.svg").status_code == 403
    assert client.post(f"{url}/pay-all", data={"csrf": _csrf(page.text)}).status_code == 403

    sent = client.post(f"{url}/send-code", data={"csrf": _csrf(page.text)})
    assert "ending in …456" in sent.text
    [message] = pl.outbox.list(org, kind="portal_code")
    assert message.channel_kind == "sms" and message.recipient == "+32470123456"
    code = re.search(r"\b(\d{6})\b", message.text)
    assert code is not None and message.status in ("sent", "delivered")

    wrong = client.post(f"{url}/verify", data={"csrf": _csrf(sent.text), "code": "000000"})
    assert wrong.status_code == 403 and "not right" in wrong.text
    good = client.post(
        f"{url}/verify",
        data={"csrf": _csrf(sent.text), "code": code.group(1)},
        follow_redirects=False,
    )
    assert good.status_code == 303 and "paylink_portal" in good.headers["set-cookie"]
    assert "httponly" in good.headers["set-cookie"].lower()
    portal = client.get(url)
    assert invoice.number in portal.text and "€108.90" in portal.text
    # Another browser, without the cookie, still gets the code page.
    with httpx.Client(headers={"user-agent": PHONE_UA}) as other:
        assert invoice.number not in other.get(url).text


def test_wrong_codes_are_limited(live: Live, client: httpx.Client, tmp_path: Path) -> None:
    pl = live.pl
    org, customer, _invoice, _link = setup_invoice(live)
    customer = pl.customers.update(customer, phone="+32470123456")
    pl.channels.configure(org, "outbox", directory=str(tmp_path / "outbox"))
    url = pl.portal.url(customer, require_code=True)
    csrf = _csrf(client.get(url).text)
    assert client.post(f"{url}/send-code", data={"csrf": csrf}).status_code == 200
    code = re.search(r"\b(\d{6})\b", pl.outbox.list(org, kind="portal_code")[-1].text)
    assert code is not None
    wrong = "123456" if code.group(1) != "123456" else "654321"
    for _ in range(5):
        assert client.post(f"{url}/verify", data={"csrf": csrf, "code": wrong}).status_code == 403
    # The code is used up, also for its owner: they ask for a new one, which works.
    answer = client.post(f"{url}/verify", data={"csrf": csrf, "code": code.group(1)})
    assert answer.status_code == 429
    assert client.post(f"{url}/send-code", data={"csrf": csrf}).status_code == 200
    [new] = {m.text for m in pl.outbox.list(org, kind="portal_code") if code.group(1) not in m.text}
    fresh = re.search(r"\b(\d{6})\b", new)
    assert fresh is not None
    good = client.post(
        f"{url}/verify", data={"csrf": csrf, "code": fresh.group(1)}, follow_redirects=False
    )
    assert good.status_code == 303
    # A third code within ten minutes was fine; the fourth is refused, and nothing is sent.
    client.post(f"{url}/send-code", data={"csrf": csrf})
    refused = client.post(f"{url}/send-code", data={"csrf": csrf})
    assert refused.status_code == 429 and "Too many tries" in refused.text
    assert len(pl.outbox.list(org, kind="portal_code")) == 3


@pytest.mark.parametrize(
    "agent",
    [
        # LinkedIn, Facebook, Instagram, X, Telegram and Outlook apps' own browsers.
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 [LinkedInApp]/9.29.1",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Version/4.0 Chrome/120.0.6099.43 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/444.0.0.0.110;]",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 Instagram 307.0.0.34.111 (iPhone15,2; iOS 17_1)",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 Twitter for iPhone/10.20",
        "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/119.0.0.0 Mobile Safari/537.36 Telegram-Android/10.3.2 (Samsung SM-S911B)",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 Outlook-iOS/4.2345.0",
    ],
)
def test_in_app_browsers_are_people(live: Live, agent: str) -> None:
    link = setup_invoice(live)[3]
    with httpx.Client(headers={"user-agent": agent}, timeout=10) as http:
        html = http.get(link.url).text
        beacon = re.search(r'data-beacon="([^"]+)" data-csrf="([^"]+)"', html)
        assert beacon is not None
        url, csrf = beacon.groups()
        assert http.post(url, data={"csrf": csrf}).status_code == 204
    assert live.pl.links.get(link.organization_id, link.id).status == "opened"


def test_the_apps_own_preview_robots_stay_robots() -> None:
    for agent in (
        "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
        "TelegramBot (like TwitterBot)",
        "Twitterbot/1.0",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Mozilla/5.0 (Windows NT 10.0; Microsoft Outlook 16.0.17126; ms-office; MSOffice 16)",
        "WhatsApp/2.23.20.0",
    ):
        assert is_preview_agent(agent), agent
    assert not is_preview_agent(PHONE_UA)


def test_hsts_only_over_https(live: Live) -> None:
    link = setup_invoice(live)[3]
    with httpx.Client(timeout=10) as http:
        assert "strict-transport-security" not in http.get(link.url).headers
    secure = create_app(live.pl, base_url="https://pay.example", secret="s")

    async def get() -> httpx.Headers:
        transport = httpx.ASGITransport(app=secure)
        async with httpx.AsyncClient(transport=transport, base_url="https://pay.example") as http:
            return (await http.get("/healthz")).headers

    headers = asyncio.run(get())
    assert headers["strict-transport-security"].startswith("max-age=31536000")


def test_charged_reminder_fees_are_lines_of_the_pay_page_qr_and_portal(
    live: Live, client: httpx.Client
) -> None:
    import datetime as dt

    from paylink.reminders import DunningPolicy, Fee, Step

    org, customer, invoice, link = setup_invoice(live)  # 108.90, due 1 April 2026
    pl = live.pl
    pl.reminders.set_policy(
        org,
        DunningPolicy(
            steps=(Step(name="first", offset_days=7, fee=Fee.fixed("15")),), fee_mode="charge"
        ),
    )
    assert invoice.due_date == dt.date(2026, 4, 1)
    pl.reminders.tick(dt.datetime(2026, 4, 8, 9, tzinfo=dt.UTC))
    html = client.get(link.url).text
    assert re.search(r'data-testid="amount">€123.90<', html)
    assert 'data-testid="fee-line">Reminder “first” of 8 April 2026' in html
    assert re.search(r'data-testid="total-due"><strong>€123.90<', html)
    assert re.search(r'data-testid="transfer-amount">€123.90<', html)
    text = zxingcpp.read_barcodes(Image.open(io.BytesIO(client.get(f"{link.url}/qr.png").content)))
    assert "\nEUR123.9\n" in text[0].text
    printable = client.get(f"{link.url}/invoice").text
    assert "Reminder “first” of 8 April 2026" in printable and "€123.90" in printable
    portal = client.get(pl.portal.url(customer)).text
    assert "€123.90" in portal and "Reminder “first” of 8 April 2026: €15.00" in portal
    # The invoice's total is paid: the fee is still asked for, on the page and in the QR.
    pl.payments.record(invoice, "108.90")
    html = client.get(link.url).text
    assert re.search(r'data-testid="amount">€15.00<', html)
    assert "Already paid" in html


def test_no_text_link_for_a_landline(live: Live, client: httpx.Client) -> None:
    org, _customer, _invoice, link = setup_invoice(live)  # the garage has a landline
    html = client.get(link.url).text
    assert 'href="tel:+3225501811"' in html and "sms:" not in html
    live.pl.organizations.update(org, phone="+32 470 12 34 56")
    html = client.get(link.url).text
    assert 'href="sms:+32470123456"' in html


def test_download_the_invoice_gives_the_pdf_and_the_page_names_the_seller(
    live: Live, client: httpx.Client
) -> None:
    org, _customer, invoice, link = setup_invoice(live, language="fr")
    live.pl.organizations.update(
        org, address=Address(street="Rue de la Loi 16", postal_code="1000", city="Bruxelles")
    )
    html = client.get(link.url).text
    found = re.search(r'href="([^"]+)" data-testid="invoice-pdf" download>([^<]+)<', html)
    assert found is not None and found.group(2) == "Télécharger la facture"
    pdf = client.get(found.group(1).replace("&amp;", "&"))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert f'filename="{invoice.number}.pdf"' in pdf.headers["content-disposition"]
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert invoice.number in text
    printable = client.get(f"{link.url}/invoice").text
    seller = re.search(r'data-testid="seller">(.*?)</p>', printable, re.S)
    assert seller is not None and "Rue de la Loi 16" in seller.group(1)
    assert "Bruxelles" in seller.group(1) and "BE0403170701" in seller.group(1)


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("en", "What is a structured reference?"),
        ("fr", "Qu'est-ce qu'une communication structurée ?"),
        ("nl", "Wat is een gestructureerde mededeling?"),
        ("de", "Was ist eine strukturierte Mitteilung?"),
    ],
)
def test_the_help_page_in_four_languages(
    live: Live, client: httpx.Client, lang: str, question: str
) -> None:
    _org, _customer, _invoice, link = setup_invoice(live, language=lang)
    pay = client.get(link.url).text
    found = re.search(r'href="([^"]+)" data-testid="help"', pay)
    assert found is not None
    page = client.get(found.group(1).replace("&amp;", "&"))
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert question in text and 'href="tel:+3225501811"' in text  # the shop's contact
    assert f'href="{link.url}?lang={lang}"' in text  # and a way back
    neutral = html.unescape(client.get(f"{live.base}/help?lang={lang}").text)
    assert question in neutral
    assert client.get(f"{live.base}/pay/not-a-token/help").status_code == 404

"""The renderer core: pure functions from values to HTML, PDF and message text."""

from __future__ import annotations

import datetime as dt
import io
import re

import attrs
import pypdf
import pytest

from paylink import Line, Money
from paylink.documents import CreditNote, Invoice, Quote
from paylink.exceptions import ValidationError
from paylink.links import PaymentLink
from paylink.notify import MESSAGE_KINDS
from paylink.parties import LANGUAGES, Address, Customer, Organization
from paylink.payments import Allocation, Payment
from paylink.references import ogm
from paylink.render import (
    DOCUMENT_KINDS,
    MESSAGE_VARIABLES,
    check_template,
    format_date,
    format_money,
    html_to_pdf,
    message_variables,
    render_document,
    render_message,
    sample_variables,
)
from paylink.render._i18n import LABELS, MESSAGES, MONTHS

ORG = Organization.create(
    id="org_1",
    name="Garage Dupont SRL",
    country="BE",
    iban="BE71096123456769",
    bic="GKCCBEBB",
    vat_id="BE0403170701",
    address=Address(street="Rue de la Loi 16", postal_code="1000", city="Bruxelles"),
    email="factures@garage.example",
    brand_color="#b3261e",
    logo_url="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
    payment_footnote="Merci de payer avec la communication structurée.",
    estimate_footnote="Devis sans engagement.",
    legal_terms="Conditions générales: www.garage.example/cgv",
)
CUSTOMER = Customer.create(id="cus_1", organization=ORG, name="Marie Peeters", language="nl")
LINES = (
    Line(description="Brake pads", quantity="2", unit_price="45.00", vat_rate="21"),
    Line(description="Inspection", quantity="1", unit_price="35.00", vat_rate="6"),
)
INVOICE = Invoice(
    id="inv_1",
    organization_id=ORG.id,
    customer_id=CUSTOMER.id,
    currency="EUR",
    lines=LINES,
    status="issued",
    number="2026-000123",
    reference=ogm("2026-000123"),
    issue_date=dt.date(2026, 3, 2),
    due_date=dt.date(2026, 4, 1),
)
LINK = PaymentLink(
    id="lnk_1",
    organization_id=ORG.id,
    token="tok",
    amount=INVOICE.total,
    invoice_id=INVOICE.id,
    url="https://pay.example/pay/tok",
)


def test_every_label_and_message_exists_in_all_four_languages() -> None:
    assert set(LABELS) == set(MESSAGES) == set(MONTHS) == set(LANGUAGES)
    keys = set(LABELS["en"])
    for language in LANGUAGES:
        assert set(LABELS[language]) == keys, language
        # "reminder_list" is the consolidated reminder's body: a default, never a saved kind
        assert set(MESSAGES[language]) == {*MESSAGE_KINDS, "reminder_list"}, language
        for kind in MESSAGES[language]:
            assert set(MESSAGES[language][kind]) == {"subject", "body", "sms"}, (language, kind)
            assert all(MESSAGES[language][kind].values())
        assert len(MONTHS[language]) == 12
    # Translated, not copied: the other languages differ from English on most words.
    for language in ("fr", "nl", "de"):
        same = [k for k in keys if LABELS[language][k] == LABELS["en"][k]]
        assert len(same) < len(keys) // 5, (language, same)


def test_the_placeholders_of_each_label_are_the_same_in_every_language() -> None:
    for key, english in LABELS["en"].items():
        fields = set(re.findall(r"\{(\w+)\}", english))
        for language in LANGUAGES:
            assert set(re.findall(r"\{(\w+)\}", LABELS[language][key])) == fields, (language, key)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", MESSAGE_KINDS)
def test_every_default_message_renders_by_email_and_sms(kind: str, language: str) -> None:
    variables = sample_variables(ORG, language)
    email = render_message(
        kind, channel_kind="email", language=language, variables=variables, organization=ORG
    )
    assert email.subject and "{{" not in email.subject and "\n" not in email.subject
    assert email.text.strip() and "{%" not in email.text
    assert "<p>" in email.html and ORG.brand_color in email.html
    sms = render_message(
        kind, channel_kind="sms", language=language, variables=variables, organization=ORG
    )
    assert sms.text and "\n" not in sms.text
    assert sms.segments is not None and 1 <= sms.segments <= 3


def test_every_message_variable_is_documented() -> None:
    values = message_variables(language="en", organization=ORG)
    documented = {name.split(".")[0] for name in MESSAGE_VARIABLES}
    assert set(values) == documented


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "€1,234.50"),
        ("fr", "1\u202f234,50\u00a0€"),
        ("nl", "€\u00a01.234,50"),
        ("de", "1.234,50\u00a0€"),
    ],
)
def test_money_is_written_as_each_language_writes_it(language: str, expected: str) -> None:
    assert format_money(Money.of("1234.5", "EUR"), language) == expected


def test_money_in_other_currencies_and_negative() -> None:
    assert format_money(Money.of("-5", "USD"), "en") == "-$5.00"
    assert format_money(Money.of("1000", "JPY"), "de", plain=True) == "1.000 JPY"


def test_dates_always_name_the_month() -> None:
    day = dt.date(2026, 3, 1)
    assert format_date(day, "en") == "1 March 2026"
    assert format_date(day, "fr") == "1er mars 2026"
    assert format_date(day, "nl") == "1 maart 2026"
    assert format_date(day, "de") == "1. März 2026"
    # Short forms abbreviate the month; a date is never written in digits only (is 03/12 the
    # 3rd of December or the 12th of March?).
    assert format_date(dt.date(2026, 12, 3), "en", short=True) == "3 Dec 2026"
    assert format_date(dt.date(2026, 2, 3), "fr", short=True) == "3 févr. 2026"
    assert format_date(dt.date(2026, 3, 3), "nl", short=True) == "3 mrt. 2026"
    assert format_date(dt.date(2026, 12, 3), "de", short=True) == "3. Dez. 2026"
    assert format_date(dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC), "en") == "3 December 2026"
    assert format_date(None, "en") == ""


def test_the_invoice_carries_the_branding_reference_qr_and_pay_link() -> None:
    html = render_document(
        "invoice", organization=ORG, customer=CUSTOMER, document=INVOICE, link=LINK
    )
    assert 'lang="nl"' in html  # the customer's language wins
    assert "Factuur" in html and "Vervaldatum" in html
    assert ORG.brand_color in html and ORG.logo_url in html  # type: ignore[operator]
    assert "BE71 0961 2345 6769" in html and "GKCCBEBB" in html and "BE0403170701" in html
    assert "+++202/6000/12320+++" in html
    assert "Merci de payer avec la communication structurée." in html
    assert "Conditions générales" in html
    assert "https://pay.example/pay/tok" in html
    assert html.count("<svg") == 2  # the EPC QR and the pay link's QR
    assert "€\u00a0146,00" in html  # 90.00 + 35.00 net, 18.90 + 2.10 VAT
    assert "Btw 21% op" in html


def test_the_language_can_be_forced_and_no_logo_is_tolerated() -> None:
    org = Organization.create(id="o", name="Plain", country="DE")
    customer = Customer.create(id="c", organization=org, name="Hans")
    invoice = attrs.evolve(INVOICE, organization_id="o", reference=None)
    html = render_document(
        "invoice", organization=org, customer=customer, document=invoice, language="de"
    )
    assert "<img" not in html and "Rechnung" in html
    assert "<svg" not in html  # no IBAN: no EPC QR; no link: no pay QR


def test_a_javascript_logo_url_is_dropped() -> None:
    org = Organization.create(id="o", name="X", country="BE", logo_url="javascript:alert(1)")
    html = render_document("invoice", organization=org, customer=CUSTOMER, document=INVOICE)
    assert "javascript:" not in html


def test_a_hostile_customer_name_renders_as_text_everywhere() -> None:
    evil = Customer.create(id="c", organization=ORG, name="<script>alert(1)</script>")
    html = render_document("invoice", organization=ORG, customer=evil, document=INVOICE)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    variables = message_variables(language="en", organization=ORG, customer=evil, invoice=INVOICE)
    email = render_message(
        "invoice_issued", channel_kind="email", language="en", variables=variables, organization=ORG
    )
    assert "<script>" not in email.html and "&lt;script&gt;" in email.html
    assert "<script>alert(1)</script>" in email.text  # plain text is not HTML


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", DOCUMENT_KINDS)
def test_every_document_renders_in_every_language(kind: str, language: str) -> None:
    document: Invoice | Quote | CreditNote = INVOICE
    extra: dict[str, object] = {}
    if kind == "quote":
        document = Quote(
            id="q",
            organization_id=ORG.id,
            customer_id=CUSTOMER.id,
            currency="EUR",
            lines=LINES,
            status="sent",
            number="Q-1",
            issue_date=dt.date(2026, 3, 2),
            valid_until=dt.date(2026, 4, 1),
        )
        extra["quote_url"] = "https://pay.example/quote/abc"
    elif kind == "credit_note":
        document = CreditNote(
            id="cn",
            organization_id=ORG.id,
            customer_id=CUSTOMER.id,
            invoice_id=INVOICE.id,
            currency="EUR",
            lines=LINES[:1],
            number="CN-1",
            issue_date=dt.date(2026, 3, 5),
            reason="Warranty",
        )
        extra["invoice_number"] = INVOICE.number
    elif kind == "receipt":
        extra["payment"] = Payment(
            id="p",
            organization_id=ORG.id,
            amount=Money.of("50", "EUR"),
            received_on=dt.date(2026, 3, 10),
            allocations=(Allocation(INVOICE.id, Money.of("50", "EUR")),),
        )
    elif kind == "reminder":
        extra.update(step=2, fees=Money.of("10", "EUR"), today=dt.date(2026, 4, 16), link=LINK)
    html = render_document(
        kind,
        organization=ORG,
        customer=CUSTOMER,
        document=document,
        language=language,
        **extra,  # type: ignore[arg-type]
    )
    assert LABELS[language][kind] in html
    assert f'lang="{language}"' in html
    if kind == "reminder":
        assert LABELS[language]["days_overdue"] in html and ">15<" in html
        assert format_money(Money.of("156.00", "EUR"), language) in html  # open + fees
    if kind == "receipt":
        assert format_money(Money.of("50", "EUR"), language) in html
    if kind == "quote":
        assert "Devis sans engagement." in html and "https://pay.example/quote/abc" in html


def test_a_document_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(ValidationError, match="a quote is drawn from a Quote"):
        render_document("quote", organization=ORG, customer=CUSTOMER, document=INVOICE)


def test_the_pdf_shows_number_amount_and_reference_with_embedded_fonts() -> None:
    pytest.importorskip("weasyprint")
    html = render_document(
        "invoice", organization=ORG, customer=CUSTOMER, document=INVOICE, language="en", link=LINK
    )
    pdf = html_to_pdf(html)
    assert pdf.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "2026-000123" in text
    assert "€146.00" in text
    assert "+++202/6000/12320+++" in text.replace("\n", "")
    assert _embedded_fonts(reader), "the fonts are embedded"


def _embedded_fonts(reader: pypdf.PdfReader) -> list[str]:
    names = []
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]  # type: ignore[index]
        for ref in fonts.values():  # type: ignore[union-attr]
            font = ref.get_object()
            if "/DescendantFonts" in font:
                font = font["/DescendantFonts"][0].get_object()
            descriptor = font["/FontDescriptor"].get_object()
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), font["/BaseFont"]
            names.append(str(font["/BaseFont"]))
    return names


def test_a_template_with_a_syntax_error_is_refused_naming_the_line() -> None:
    with pytest.raises(ValidationError, match="line 3"):
        check_template("Hello\n{{ customer.name }}\n{% if x %}never closed")


def test_the_sandbox_keeps_templates_away_from_python_internals() -> None:
    variables = sample_variables(ORG, "en")
    for source in (
        "{{ ''.__class__.__mro__ }}",
        "{{ customer.name.__class__.__init__.__globals__ }}",
        "{{ org.__class__ }}",
    ):
        with pytest.raises(ValidationError):
            render_message(
                "invoice_issued",
                channel_kind="email",
                language="en",
                variables=variables,
                organization=ORG,
                body_template=source,
            )


@pytest.mark.parametrize(
    "source",
    [
        "{{ 'x' * 300000000 }}",
        "{{ 300000000 * 'x' }}",
        "{{ 'x' | center(300000000) }}",
        "{{ 'x'.ljust(300000000) }}",
        "{{ 9 ** 999999 }}",
        "{{ '%300000000s' % 'x' }}",
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "{% for i in range(100000) %}{{ customer.name }}{% endfor %}",
        "{% set ns = namespace(s='xxxxxxxxxx') %}{% for i in range(40) %}"
        "{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s | length }}",
    ],
)
def test_a_template_that_makes_too_much_is_refused_quickly(source: str) -> None:
    # Refused by the budget before the work is done: a worker is never tied up (a sandbox
    # that computed these first would take seconds and gigabytes).
    with pytest.raises(ValidationError, match=r"too much|failed"):
        render_message(
            "invoice_issued",
            channel_kind="email",
            language="en",
            variables=sample_variables(ORG, "en"),
            organization=ORG,
            body_template=source,
        )


def test_ordinary_loops_and_repetition_still_render() -> None:
    sms = render_message(
        "reminder",
        channel_kind="sms",
        language="en",
        variables=sample_variables(ORG, "en"),
        organization=ORG,
        body_template="{{ '-' * 3 }} {% for i in range(2) %}{{ i }}{% endfor %} {{ 2 ** 3 }}",
    )
    assert sms.text == "--- 01 8"


def test_an_unknown_variable_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValidationError, match=r"known variables: .*pay_url"):
        render_message(
            "reminder",
            channel_kind="sms",
            language="en",
            variables=sample_variables(ORG, "en"),
            organization=ORG,
            body_template="{{ paylink_url }}",
        )


def test_sms_variables_stay_in_gsm7_for_french_amounts() -> None:
    variables = message_variables(
        language="fr", organization=ORG, customer=CUSTOMER, invoice=INVOICE, link=LINK, sms=True
    )
    sms = render_message(
        "invoice_issued", channel_kind="sms", language="fr", variables=variables, organization=ORG
    )
    assert sms.encoding == "GSM-7" and sms.segments == 1
    assert "https://pay.example/pay/tok" in sms.text and "1er avril 2026" in sms.text

"""Who issues and who pays: the :class:`Organization` and its :class:`Customer` records.

Every record in paylink belongs to one organization, so one paylink database can serve many
merchants (a platform embedding invoicing for its users). Values are checked when they are made:
IBAN, BIC and VAT ids with python-stdnum, phone numbers normalised to E.164 with phonenumbers.
"""

from __future__ import annotations

import re
import zoneinfo
from typing import Any, Literal, cast

import attrs
import phonenumbers
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum import vatin
from stdnum.be import vat as be_vat
from stdnum.exceptions import ValidationError as StdnumValidationError

from .exceptions import ValidationError, mask_iban

__all__ = [
    "LANGUAGES",
    "Address",
    "Customer",
    "Language",
    "Organization",
    "PartyId",
    "Supplier",
    "enterprise_number",
    "normalize_bic",
    "normalize_email",
    "normalize_iban",
    "normalize_phone",
    "normalize_vat_id",
]

Language = Literal["fr", "nl", "en", "de"]
LANGUAGES: tuple[Language, ...] = ("fr", "nl", "en", "de")

# Deliberately permissive: one @, a dot in the domain, no spaces. Deliverability is the mail
# server's business; this catches typos like a missing @ or a trailing comma.
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[A-Za-z0-9-]{2,}$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def normalize_iban(value: str, field: str = "iban") -> str:
    """Return the compact upper-case IBAN, or raise naming ``field`` (never echoing it whole)."""
    try:
        # The national check of some countries (BE) looks the bank code up in a registry that
        # lags behind new banks; the ISO 13616 structure and MOD 97 checks catch typos.
        return str(stdnum_iban.validate(value, check_country=False))
    except StdnumValidationError as exc:
        raise ValidationError(
            f"expected a valid IBAN, got {mask_iban(str(value))} ({str(exc).lower().rstrip('.')})",
            field=field,
        ) from None


def normalize_bic(value: str, field: str = "bic") -> str:
    """Return the compact upper-case BIC (8 or 11 characters), or raise naming ``field``."""
    try:
        return str(stdnum_bic.validate(value))
    except StdnumValidationError:
        raise ValidationError(
            f"expected a BIC of 8 or 11 letters and digits, like GEBABEBB, got {value!r}",
            field=field,
        ) from None


def normalize_vat_id(value: str, field: str = "vat_id") -> str:
    """Return the compact VAT id with its country prefix (``BE0403170701``), or raise."""
    try:
        return str(vatin.validate(value))
    except StdnumValidationError:
        raise ValidationError(
            f"expected a VAT id with its country prefix, like BE0403170701, got {value!r}",
            field=field,
        ) from None


def normalize_email(value: str, field: str = "email") -> str:
    """Return the trimmed e-mail address, or raise naming ``field``."""
    email = str(value).strip()
    if not _EMAIL.match(email):
        raise ValidationError(
            f"expected an e-mail address like name@example.com, got {value!r}", field=field
        )
    return email


def normalize_phone(value: str, country: str | None = None, field: str = "phone") -> str:
    """Return the number in E.164 (``+32470123456``); a national number needs ``country``."""
    try:
        number = phonenumbers.parse(str(value), (country or "").upper() or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        hint = "" if str(value).startswith("+") or country else " (or give the country)"
        raise ValidationError(
            f"expected a phone number in international form like +32470123456{hint}, got {value!r}",
            field=field,
        )
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def _check_country(value: str, field: str = "country") -> str:
    code = str(value).strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise ValidationError(
            f"expected an ISO 3166 country code like BE, got {value!r}", field=field
        )
    return code


def _check_language(value: Any, field: str = "language") -> Language:
    if value not in LANGUAGES:
        raise ValidationError(f"expected one of {', '.join(LANGUAGES)}, got {value!r}", field=field)
    return cast(Language, value)


def _check_timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"expected an IANA time zone like Europe/Brussels, got {value!r}", field="timezone"
        ) from None
    return value


def enterprise_number(value: str, field: str = "registration_id") -> str:
    """The 10-digit Belgian enterprise number (KBO/BCE) of a BE VAT id or of an enterprise
    number as people type it (``BE0403.170.701``, ``403170701``), mod-97 checked.

    >>> enterprise_number("BE 0403.170.701")
    '0403170701'
    """
    try:
        return str(be_vat.validate(str(value)))
    except StdnumValidationError:
        raise ValidationError(
            f"expected a Belgian enterprise number of 10 digits whose last two are the first"
            f" eight modulo 97, like 0403.170.701, got {value!r}",
            field=field,
        ) from None


_SCHEME = re.compile(r"^[0-9]{4}$")


@attrs.frozen
class PartyId:
    """An identifier with its ISO 6523 scheme (ICD): ``PartyId("0208", "0403170701")`` is a
    Belgian enterprise number, ``PartyId("9925", "BE0403170701")`` a Belgian VAT number.

    Peppol writes it ``0208:0403170701``; :meth:`parse` reads that form. A ``0208`` value is
    mod-97 checked (Peppol rule PEPPOL-COMMON-R043). ``scheme`` is empty for a registration
    read from an e-invoice that gave none.
    """

    scheme: str
    value: str

    def __attrs_post_init__(self) -> None:
        # EN 16931 allows a legal registration id without a scheme; an endpoint never is
        if self.scheme and not _SCHEME.match(self.scheme):
            raise ValidationError(
                f"expected a 4-digit ISO 6523 scheme like 0208, got {self.scheme!r}",
                field="scheme",
            )
        if not self.value.strip():
            raise ValidationError("expected an identifier", field="value")
        if self.scheme == "0208":
            object.__setattr__(self, "value", enterprise_number(self.value, "value"))

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"

    @classmethod
    def parse(cls, text: str, field: str = "endpoint") -> PartyId:
        """Read ``"0208:0403170701"``."""
        scheme, sep, value = str(text).strip().partition(":")
        if not sep:
            raise ValidationError(
                f"expected scheme:identifier like 0208:0403170701, got {text!r}", field=field
            )
        return cls(scheme.strip(), value.strip())


def _party_id(value: Any) -> PartyId | None:
    if value is None or isinstance(value, PartyId):
        return value
    if isinstance(value, dict):
        return PartyId(value["scheme"], value["value"])
    return PartyId.parse(value)


def _registration(vat_id: str | None, registration: str | PartyId | None) -> PartyId | None:
    # A Belgian VAT number is the enterprise number with "BE" before it: the 0208 registration
    # always follows the VAT id, also when an update changes the VAT id and passes the old one.
    given = _party_id(registration)
    if vat_id and vat_id.startswith("BE") and (given is None or given.scheme == "0208"):
        return PartyId("0208", enterprise_number(vat_id))
    return given


@attrs.frozen(kw_only=True)
class Address:
    """A postal address, printed on documents."""

    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""

    def lines(self) -> list[str]:
        """The address as printable lines, empty parts left out."""
        city = " ".join(p for p in (self.postal_code, self.city) if p)
        return [line for line in (self.street, city, self.country) if line]


@attrs.frozen(kw_only=True)
class Organization:
    """The issuer: a merchant, a practice, a public body.

    Build it through :meth:`Organization.create` (which validates and normalises every field)
    or through ``pl.organizations.create(...)``, which also stores it.
    """

    id: str
    name: str
    country: str
    iban: str | None = attrs.field(default=None, repr=lambda v: mask_iban(v) if v else "None")
    bic: str | None = None
    vat_id: str | None = None
    address: Address = attrs.field(factory=Address)
    language: Language = "en"
    currency: str = "EUR"
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    logo_url: str | None = None
    brand_color: str = "#1f4e79"
    payment_footnote: str = ""
    estimate_footnote: str = ""
    legal_terms: str = ""
    timezone: str = "Europe/Brussels"
    reference_scheme: Literal["ogm", "rf"] = "ogm"
    payment_terms_days: int = 30
    invoice_pattern: str = "{year}-{seq:06d}"
    registration: PartyId | None = attrs.field(default=None, converter=_party_id)
    endpoint: PartyId | None = attrs.field(default=None, converter=_party_id)
    apply_credit_automatically: bool = False

    @classmethod
    def create(
        cls,
        *,
        id: str,
        name: str,
        country: str,
        iban: str | None = None,
        bic: str | None = None,
        vat_id: str | None = None,
        address: Address | None = None,
        language: str | None = None,
        currency: str = "EUR",
        email: str | None = None,
        phone: str | None = None,
        website: str | None = None,
        logo_url: str | None = None,
        brand_color: str = "#1f4e79",
        payment_footnote: str = "",
        estimate_footnote: str = "",
        legal_terms: str = "",
        timezone: str = "Europe/Brussels",
        reference_scheme: str | None = None,
        payment_terms_days: int = 30,
        invoice_pattern: str = "{year}-{seq:06d}",
        registration: str | PartyId | None = None,
        endpoint: str | PartyId | None = None,
        apply_credit_automatically: bool = False,
    ) -> Organization:
        """Validate and normalise every field; raise ValidationError naming the first bad one.

        ``registration`` is the legal registration id (EN 16931 BT-30) as a :class:`PartyId`
        or ``"scheme:id"``; a Belgian VAT id gives the enterprise number (scheme 0208) when it
        is not given. ``endpoint`` is the Peppol electronic address (BT-34); by default the
        e-invoice uses the registration.

        ``apply_credit_automatically``: a customer's credit (what they paid beyond what was
        open) pays their open invoices as soon as both exist; off, credit waits until
        ``pl.payments.apply_credit`` applies it or it is refunded.

        ``reference_scheme`` defaults to ``"ogm"`` (Belgian structured communication) for a
        Belgian organization or IBAN, and to ``"rf"`` (ISO 11649) otherwise. ``language``
        defaults to the country's first language among fr/nl/en/de.
        """
        from .money import currency_exponent
        from .numbering import check_pattern

        if not str(name).strip():
            raise ValidationError("expected a name", field="name")
        country = _check_country(country)
        iban_n = normalize_iban(iban) if iban else None
        if reference_scheme is None:
            belgian = country == "BE" or (iban_n or "").startswith("BE")
            reference_scheme = "ogm" if belgian else "rf"
        if reference_scheme not in ("ogm", "rf"):
            raise ValidationError(
                f"expected 'ogm' or 'rf', got {reference_scheme!r}", field="reference_scheme"
            )
        if language is None:
            language = {"BE": "fr", "FR": "fr", "LU": "fr", "NL": "nl", "DE": "de", "AT": "de"}.get(
                country, "en"
            )
        if not _COLOR.match(brand_color):
            raise ValidationError(
                f"expected a colour like #1f4e79, got {brand_color!r}", field="brand_color"
            )
        currency_exponent(currency)
        if (
            isinstance(payment_terms_days, bool)
            or not isinstance(payment_terms_days, int)
            or (payment_terms_days < 0)
        ):
            raise ValidationError(
                f"expected a whole number of days >= 0, got {payment_terms_days!r}",
                field="payment_terms_days",
            )
        return cls(
            id=id,
            name=str(name).strip(),
            country=country,
            iban=iban_n,
            bic=normalize_bic(bic) if bic else None,
            vat_id=normalize_vat_id(vat_id) if vat_id else None,
            address=address or Address(country=country),
            language=_check_language(language),
            currency=currency,
            email=normalize_email(email) if email else None,
            phone=normalize_phone(phone, country) if phone else None,
            website=website,
            logo_url=logo_url,
            brand_color=brand_color,
            payment_footnote=payment_footnote,
            estimate_footnote=estimate_footnote,
            legal_terms=legal_terms,
            timezone=_check_timezone(timezone),
            reference_scheme=reference_scheme,  # type: ignore[arg-type]
            payment_terms_days=payment_terms_days,
            invoice_pattern=check_pattern(invoice_pattern),
            registration=_registration(normalize_vat_id(vat_id) if vat_id else None, registration),
            endpoint=_party_id(endpoint),
            apply_credit_automatically=_flag(apply_credit_automatically),
        )


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(
            f"expected true or false, got {value!r}", field="apply_credit_automatically"
        )
    return value


@attrs.frozen(kw_only=True)
class Customer:
    """Someone an organization invoices: a person or a company.

    ``ibans`` are the accounts the customer is known to pay from; reconciliation uses them and
    learns new ones from accepted matches.
    """

    id: str
    organization_id: str
    name: str
    kind: Literal["person", "company"] = "person"
    email: str | None = None
    phone: str | None = None
    language: Language = "en"
    vat_id: str | None = None
    address: Address = attrs.field(factory=Address)
    ibans: tuple[str, ...] = attrs.field(default=(), repr=lambda v: repr([mask_iban(i) for i in v]))
    external_id: str | None = None
    registration: PartyId | None = attrs.field(default=None, converter=_party_id)
    endpoint: PartyId | None = attrs.field(default=None, converter=_party_id)

    @classmethod
    def create(
        cls,
        *,
        id: str,
        organization: Organization,
        name: str,
        kind: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        language: str | None = None,
        vat_id: str | None = None,
        address: Address | None = None,
        ibans: tuple[str, ...] | list[str] = (),
        external_id: str | None = None,
        registration: str | PartyId | None = None,
        endpoint: str | PartyId | None = None,
    ) -> Customer:
        """Validate and normalise; phone numbers without ``+`` are read in the organization's
        country. ``kind`` defaults to ``"company"`` when a VAT id is given, else ``"person"``;
        ``language`` defaults to the organization's. ``registration`` and ``endpoint`` are as
        in :meth:`Organization.create` (a Belgian VAT id gives the enterprise number)."""
        if not str(name).strip():
            raise ValidationError("expected a name", field="name")
        if kind is None:
            kind = "company" if vat_id else "person"
        if kind not in ("person", "company"):
            raise ValidationError(f"expected 'person' or 'company', got {kind!r}", field="kind")
        if isinstance(ibans, str):
            ibans = [ibans]
        return cls(
            id=id,
            organization_id=organization.id,
            name=str(name).strip(),
            kind=kind,  # type: ignore[arg-type]
            email=normalize_email(email) if email else None,
            phone=normalize_phone(phone, organization.country) if phone else None,
            language=_check_language(language or organization.language),
            vat_id=normalize_vat_id(vat_id) if vat_id else None,
            address=address or Address(),
            ibans=tuple(
                dict.fromkeys(normalize_iban(v, f"ibans[{i}]") for i, v in enumerate(ibans))
            ),
            external_id=external_id,
            registration=_registration(normalize_vat_id(vat_id) if vat_id else None, registration),
            endpoint=_party_id(endpoint),
        )


@attrs.frozen(kw_only=True)
class Supplier:
    """Someone who invoices the organization, known from the e-invoices it sent: found again
    by VAT id, registration (``"0208:0403170701"``) or IBAN."""

    id: str
    organization_id: str
    name: str
    vat_id: str | None = None
    registration: str | None = None
    iban: str | None = attrs.field(default=None, repr=lambda v: mask_iban(v) if v else "None")
    bic: str | None = None

from __future__ import annotations

import pytest

from paylink import Customer, Organization, ValidationError
from paylink.exceptions import mask_iban


def _org(**kw: object) -> Organization:
    values: dict[str, object] = {"id": "org_1", "name": "Acme", "country": "BE"}
    values.update(kw)
    return Organization.create(**values)  # type: ignore[arg-type]


def test_normalisation() -> None:
    org = _org(
        iban="be71 0961 2345 6769",
        bic="gkccbebb",
        vat_id="BE 0403.170.701",
        phone="02 550 18 11",
        email=" billing@acme.example ",
    )
    assert org.iban == "BE71096123456769"
    assert org.bic == "GKCCBEBB"
    assert org.vat_id == "BE0403170701"
    assert org.phone == "+3225501811"
    assert org.email == "billing@acme.example"
    assert org.reference_scheme == "ogm"
    assert org.language == "fr"


def test_reference_scheme_defaults_to_rf_outside_belgium() -> None:
    assert _org(country="NL", iban="NL91ABNA0417164300").reference_scheme == "rf"
    assert _org(country="NL").language == "nl"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("iban", "BE00 0961 2345 6769"),
        ("bic", "NOTABIC!"),
        ("vat_id", "BE0123456788"),
        ("email", "not-an-email"),
        ("phone", "12"),
        ("country", "Belgium"),
        ("language", "es"),
        ("timezone", "Mars/Olympus"),
        ("brand_color", "red"),
        ("currency", "EURO"),
        ("reference_scheme", "iso"),
        ("invoice_pattern", "{year}"),
    ],
)
def test_bad_fields_are_named(field: str, value: str) -> None:
    with pytest.raises(ValidationError) as info:
        _org(**{field: value})
    assert info.value.field == field


def test_errors_and_reprs_never_show_a_full_iban() -> None:
    with pytest.raises(ValidationError) as info:
        _org(iban="BE00096123456769")
    assert "BE00096123456769" not in str(info.value)
    org = _org(iban="BE71096123456769")
    assert "BE71096123456769" not in repr(org)
    assert mask_iban("BE71 0961 2345 6769") == "BE71…6769"


def test_customer_defaults_and_validation() -> None:
    org = _org()
    person = Customer.create(
        id="c1",
        organization=org,
        name="Marie",
        phone="0470123456",
        ibans=["BE62 5100 0754 7061", "BE62510007547061"],
    )
    assert person.kind == "person"
    assert person.language == "fr"
    assert person.phone == "+32470123456"
    assert person.ibans == ("BE62510007547061",)
    company = Customer.create(
        id="c2", organization=org, name="Brasserie SA", vat_id="BE0417497106", language="nl"
    )
    assert company.kind == "company"
    assert company.language == "nl"
    with pytest.raises(ValidationError) as info:
        Customer.create(id="c3", organization=org, name="X", ibans=["BE62 5100 0754 7062"])
    assert info.value.field == "ibans[0]"
    with pytest.raises(ValidationError, match="name"):
        Customer.create(id="c4", organization=org, name=" ")

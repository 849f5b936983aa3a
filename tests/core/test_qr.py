from __future__ import annotations

import pytest

from paylink import Money, ValidationError
from paylink.qr import epc_payload, epc_qr


def test_payload_fields_in_order() -> None:
    payload = epc_payload(
        name="Garage Dupont",
        iban="BE71 0961 2345 6769",
        bic="GKCCBEBB",
        amount=Money.of("108.90", "EUR"),
        reference="202600019289",
    )
    assert payload.split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "GKCCBEBB",
        "Garage Dupont",
        "BE71096123456769",
        "EUR108.9",
        "",
        "+++202/6000/19289+++",
        "",
    ]


def test_text_instead_of_reference() -> None:
    payload = epc_payload(name="X", iban="BE71096123456769", text="Invoice 12")
    assert payload.split("\n")[7:] == ["", "", "", "Invoice 12"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount": Money.of("1", "USD")}, "amount"),
        ({"amount": Money.of("0", "EUR")}, "amount"),
        ({"name": ""}, "name"),
        ({"iban": "BE00"}, "iban"),
        ({"reference": "123", "text": "x"}, "text"),
        ({"reference": "+++000/0000/00000+++"}, "reference"),
    ],
)
def test_bad_fields(kwargs: dict[str, object], field: str) -> None:
    values: dict[str, object] = {"name": "X", "iban": "BE71096123456769"}
    values.update(kwargs)
    with pytest.raises(ValidationError) as info:
        epc_payload(**values)  # type: ignore[arg-type]
    assert info.value.field == field


def test_code_uses_error_level_m() -> None:
    code = epc_qr(name="X", iban="BE71096123456769", amount=Money.of("1", "EUR"))
    assert code.error == "M"

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from paylink import Money, ValidationError
from paylink.payfiles import VERSIONS, TransferOrder, build_pain001, validate_pain001
from paylink.references import check

CREATED = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def orders() -> list[TransferOrder]:
    return [
        TransferOrder(
            end_to_end_id="pur_1",
            creditor_name="Pièces Auto SA",
            creditor_iban="BE43 0689 9999 9501",
            amount=Money.of("1210.00", "EUR"),
            execution_date=dt.date(2026, 3, 20),
            reference=check("+++090/9337/55493+++"),
        ),
        TransferOrder(
            end_to_end_id="pur_2",
            creditor_name="Office Supplies BV",
            creditor_iban="NL91ABNA0417164300",
            creditor_bic="ABNANL2A",
            amount=Money.of("99.99", "EUR"),
            execution_date=dt.date(2026, 3, 20),
            reference=check("RF18 5390 0754 7034"),
        ),
        TransferOrder(
            end_to_end_id="pur_3",
            creditor_name="Landlord",
            creditor_iban="BE62510007547061",
            amount=Money.of("800", "EUR"),
            execution_date=dt.date(2026, 3, 31),
            text="Rent April",
        ),
    ]


def build(version: str = "pain.001.001.03") -> bytes:
    return build_pain001(
        debtor_name="Garage Dupont SRL",
        debtor_iban="BE71096123456769",
        debtor_bic="GKCCBEBB",
        orders=orders(),
        message_id="PAYLINK-2026-000001",
        created_at=CREATED,
        version=version,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_file_content(version: str) -> None:
    xml = build(version)
    validate_pain001(xml, version)  # type: ignore[arg-type]
    ns = {"p": f"urn:iso:std:iso:20022:tech:xsd:{version}"}
    root = ET.fromstring(xml)
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", ns)
    assert header is not None
    assert header.findtext("p:MsgId", namespaces=ns) == "PAYLINK-2026-000001"
    assert header.findtext("p:CreDtTm", namespaces=ns) == "2026-03-02T09:00:00"
    assert header.findtext("p:NbOfTxs", namespaces=ns) == "3"
    assert header.findtext("p:CtrlSum", namespaces=ns) == "2109.99"
    groups = root.findall("p:CstmrCdtTrfInitn/p:PmtInf", ns)
    dates = [
        g.findtext(".//p:ReqdExctnDt", namespaces=ns)
        or g.findtext(".//p:ReqdExctnDt/p:Dt", namespaces=ns)
        for g in groups
    ]
    assert dates == ["2026-03-20", "2026-03-31"]
    txs = {
        t.findtext("p:PmtId/p:EndToEndId", namespaces=ns): t
        for t in root.iter(f"{{{ns['p']}}}CdtTrfTxInf")
    }
    ogm = txs["pur_1"].find("p:RmtInf/p:Strd/p:CdtrRefInf", ns)
    assert ogm is not None
    assert ogm.findtext("p:Tp/p:CdOrPrtry/p:Cd", namespaces=ns) == "SCOR"
    assert ogm.findtext("p:Tp/p:Issr", namespaces=ns) == "BBA"
    assert ogm.findtext("p:Ref", namespaces=ns) == "090933755493"
    assert txs["pur_1"].find("p:RmtInf/p:Ustrd", ns) is None
    rf = txs["pur_2"].find("p:RmtInf/p:Strd/p:CdtrRefInf", ns)
    assert rf is not None and rf.findtext("p:Tp/p:Issr", namespaces=ns) == "ISO"
    assert txs["pur_3"].findtext("p:RmtInf/p:Ustrd", namespaces=ns) == "Rent April"
    assert txs["pur_1"].findtext("p:Amt/p:InstdAmt", namespaces=ns) == "1210.00"
    assert txs["pur_1"].findtext("p:Cdtr/p:Nm", namespaces=ns) == "Pieces Auto SA"


def test_invalid_xml_is_caught_by_the_xsd() -> None:
    broken = build().replace(b"<IBAN>BE43068999999501</IBAN>", b"<IBAN>not an iban</IBAN>")
    with pytest.raises(ValidationError, match=r"does not validate against pain\.001\.001\.03"):
        validate_pain001(broken)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": Money.of("1", "USD")}, "amount"),
        ({"amount": Money.of("0", "EUR")}, "amount"),
        ({"end_to_end_id": "x" * 36}, "end_to_end_id"),
    ],
)
def test_bad_orders(change: dict[str, object], field: str) -> None:
    values: dict[str, object] = {
        "end_to_end_id": "e",
        "creditor_name": "X",
        "creditor_iban": "BE62510007547061",
        "amount": Money.of("1", "EUR"),
        "execution_date": dt.date(2026, 3, 2),
    }
    values.update(change)
    with pytest.raises(ValidationError) as info:
        TransferOrder(**values)  # type: ignore[arg-type]
    assert info.value.field == field


def test_bad_creditor_iban_names_the_order() -> None:
    bad = [
        *orders()[:1],
        TransferOrder(
            end_to_end_id="z",
            creditor_name="Z",
            creditor_iban="BE00 0000 0000 0000",
            amount=Money.of("1", "EUR"),
            execution_date=dt.date(2026, 3, 2),
        ),
    ]
    with pytest.raises(ValidationError) as info:
        build_pain001(
            debtor_name="D",
            debtor_iban="BE71096123456769",
            debtor_bic=None,
            orders=bad,
            message_id="M",
            created_at=CREATED,
        )
    assert info.value.field == "orders[1].creditor_iban"

"""SEPA credit-transfer files (ISO 20022 pain.001) to pay suppliers from one's own bank.

sepaxml builds the file; paylink then makes it its own and checks it:

- the message id and creation time are the ones given (sepaxml would read the wall clock);
- a supplier's structured reference goes into ``RmtInf/Strd/CdtrRefInf`` — issuer ``BBA`` for a
  Belgian OGM, ``ISO`` for an ISO 11649 RF reference — instead of free text (sepaxml only writes
  ``Ustrd``), which is what lets the supplier's bank match the payment;
- each payment's end-to-end id ties it back to its purchase invoice, so the debit on the next
  statement can be reconciled;
- payments are grouped by requested execution date (one ``PmtInf`` each);
- the result is validated against the pain.001 XSD shipped with sepaxml.

Both ``pain.001.001.03`` (what most banks take) and ``pain.001.001.09`` are written.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import attrs

from .exceptions import ValidationError
from .money import Money
from .parties import normalize_bic, normalize_iban
from .references import Reference

__all__ = ["VERSIONS", "PaymentFile", "TransferOrder", "build_pain001", "validate_pain001"]

Version = Literal["pain.001.001.03", "pain.001.001.09"]
VERSIONS: tuple[Version, ...] = ("pain.001.001.03", "pain.001.001.09")


@attrs.frozen(kw_only=True)
class TransferOrder:
    """One payment to make: to whom, how much, when, and with which reference."""

    end_to_end_id: str
    creditor_name: str
    creditor_iban: str = attrs.field(repr=False)
    amount: Money
    execution_date: dt.date
    creditor_bic: str | None = None
    reference: Reference | None = None
    text: str = ""

    def __attrs_post_init__(self) -> None:
        if not 1 <= len(self.end_to_end_id) <= 35:
            raise ValidationError("expected 1 to 35 characters", field="end_to_end_id")
        if self.amount.currency != "EUR":
            raise ValidationError(
                f"a SEPA credit transfer is in euro, got {self.amount.currency}", field="amount"
            )
        if self.amount.amount <= 0:
            raise ValidationError(f"expected a positive amount, got {self.amount}", field="amount")


@attrs.frozen
class PaymentFile:
    """A pain.001 file and what it pays."""

    xml: bytes = attrs.field(repr=False)
    message_id: str
    version: str
    orders: tuple[TransferOrder, ...]

    @property
    def total(self) -> Money:
        """The sum of the payments."""
        return Money.sum((o.amount for o in self.orders), "EUR")


def _ns(version: str) -> str:
    return f"urn:iso:std:iso:20022:tech:xsd:{version}"


def _strd(reference: Reference, ns: str) -> ET.Element:
    strd = ET.Element(f"{{{ns}}}Strd")
    ref_inf = ET.SubElement(strd, f"{{{ns}}}CdtrRefInf")
    tp = ET.SubElement(ref_inf, f"{{{ns}}}Tp")
    cd_or_prtry = ET.SubElement(tp, f"{{{ns}}}CdOrPrtry")
    ET.SubElement(cd_or_prtry, f"{{{ns}}}Cd").text = "SCOR"
    ET.SubElement(tp, f"{{{ns}}}Issr").text = "BBA" if reference.scheme == "ogm" else "ISO"
    ET.SubElement(ref_inf, f"{{{ns}}}Ref").text = reference.value
    return strd


def build_pain001(
    *,
    debtor_name: str,
    debtor_iban: str,
    debtor_bic: str | None,
    orders: Sequence[TransferOrder],
    message_id: str,
    created_at: dt.datetime,
    version: Version = "pain.001.001.03",
) -> bytes:
    """Build and validate a pain.001 file paying ``orders`` from the debtor's account.

    Raises :class:`ValidationError` naming the order and field when an input is wrong, and when
    the result does not validate against the XSD (which would be a paylink bug).
    """
    from sepaxml import SepaTransfer

    if version not in VERSIONS:
        raise ValidationError(
            f"expected one of {', '.join(VERSIONS)}, got {version!r}", field="version"
        )
    if not orders:
        raise ValidationError("expected at least one payment", field="orders")
    if not 1 <= len(message_id) <= 35:
        raise ValidationError("expected 1 to 35 characters", field="message_id")
    if created_at.tzinfo is None:
        raise ValidationError("expected a timezone-aware time", field="created_at")
    ids = [o.end_to_end_id for o in orders]
    if len(set(ids)) != len(ids):
        raise ValidationError("end-to-end ids must be unique in a file", field="orders")
    config: dict[str, object] = {
        "name": debtor_name[:70],
        "IBAN": normalize_iban(debtor_iban, "debtor_iban"),
        "batch": True,
        "currency": "EUR",
    }
    if debtor_bic:
        config["BIC"] = normalize_bic(debtor_bic, "debtor_bic")
    transfer = SepaTransfer(config, schema=version, clean=True)
    for i, order in enumerate(orders):
        payment: dict[str, object] = {
            "name": order.creditor_name,
            "IBAN": normalize_iban(order.creditor_iban, f"orders[{i}].creditor_iban"),
            "amount": order.amount.minor_units,
            "execution_date": order.execution_date,
            "description": order.text or (order.reference.value if order.reference else "-"),
            "endtoend_id": order.end_to_end_id,
        }
        if order.creditor_bic:
            payment["BIC"] = normalize_bic(order.creditor_bic, f"orders[{i}].creditor_bic")
        transfer.add_payment(payment)
    raw = transfer.export(validate=False)

    ns = _ns(version)
    root = ET.fromstring(raw)  # noqa: S314 - sepaxml's own output, not untrusted input
    header = root.find(f"{{{ns}}}CstmrCdtTrfInitn/{{{ns}}}GrpHdr")
    assert header is not None
    header.find(f"{{{ns}}}MsgId").text = message_id  # type: ignore[union-attr]
    header.find(f"{{{ns}}}CreDtTm").text = (  # type: ignore[union-attr]
        created_at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    )
    by_e2e = {o.end_to_end_id: o for o in orders}
    for pmt_inf_index, pmt_inf in enumerate(root.iter(f"{{{ns}}}PmtInf"), start=1):
        pmt_inf.find(f"{{{ns}}}PmtInfId").text = f"{message_id[:30]}-{pmt_inf_index}"  # type: ignore[union-attr]
    for tx in root.iter(f"{{{ns}}}CdtTrfTxInf"):
        e2e = tx.find(f"{{{ns}}}PmtId/{{{ns}}}EndToEndId")
        assert e2e is not None
        assert e2e.text is not None
        order = by_e2e[e2e.text]
        if order.reference is not None:
            rmt_inf = tx.find(f"{{{ns}}}RmtInf")
            assert rmt_inf is not None
            for child in list(rmt_inf):
                rmt_inf.remove(child)
            rmt_inf.append(_strd(order.reference, ns))
    # sepaxml registered the pain.001 namespace as the default prefix when it was created, so
    # ElementTree writes the document without ns0: prefixes.
    body = ET.tostring(root, encoding="unicode")
    out = b'<?xml version="1.0" encoding="UTF-8"?>\n' + body.encode("utf-8")
    validate_pain001(out, version)
    return out


def validate_pain001(xml: bytes, version: Version = "pain.001.001.03") -> None:
    """Validate a pain.001 file against its XSD; raise ValidationError saying where it fails."""
    import sepaxml
    import xmlschema

    schema = xmlschema.XMLSchema(str(Path(sepaxml.__file__).parent / "schemas" / f"{version}.xsd"))
    errors = list(schema.iter_errors(xml.decode("utf-8")))
    if errors:
        first = errors[0]
        raise ValidationError(
            f"the file does not validate against {version}: {first.reason} at {first.path}",
            field="xml",
        )

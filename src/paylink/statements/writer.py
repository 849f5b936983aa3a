"""Writing bank statements: a camt.053.001.02 or a CODA file, for tests, demos and sandboxes.

paylink reads statements; it writes one only to test what reads them, so this writer is small:
consistent balances, one entry per line, structured references where given.
"""

from __future__ import annotations

import datetime as dt

import attrs

from ..exceptions import ValidationError
from ..money import Money
from ..references import Reference

__all__ = ["StatementLine", "camt053", "coda"]


@attrs.frozen(kw_only=True)
class StatementLine:
    """One booked entry for :func:`camt053`: positive amounts are credits, negative debits."""

    amount: Money
    booking_date: dt.date
    bank_reference: str
    counterparty_name: str = ""
    counterparty_iban: str | None = None
    reference: Reference | None = None
    text: str | None = None
    end_to_end_id: str | None = None


def camt053(
    *,
    account_iban: str,
    statement_id: str,
    opening: Money,
    lines: list[StatementLine],
    created_at: dt.datetime,
    owner: str = "",
) -> bytes:
    """A camt.053.001.02 statement, as a bank would send it, for tests and demos.

    Balances are consistent (opening + movements = closing); structured references go into
    ``RmtInf/Strd`` (issuer BBA for OGM, ISO for RF), free text into ``Ustrd``.
    """
    from xml.sax.saxutils import escape

    closing = opening + Money.sum((line.amount for line in lines), opening.currency)
    ccy = opening.currency
    first = min((line.booking_date for line in lines), default=created_at.date())
    last = max((line.booking_date for line in lines), default=created_at.date())

    def balance(code: str, amount: Money, day: dt.date) -> str:
        side = "CRDT" if amount.amount >= 0 else "DBIT"
        return (
            f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
            f'<Amt Ccy="{ccy}">{abs(amount.amount)}</Amt><CdtDbtInd>{side}</CdtDbtInd>'
            f"<Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>"
        )

    entries = []
    for line in lines:
        credit = line.amount.amount >= 0
        party = "Dbtr" if credit else "Cdtr"
        parties = f"<{party}><Nm>{escape(line.counterparty_name)}</Nm></{party}>"
        if line.counterparty_iban:
            parties += f"<{party}Acct><Id><IBAN>{line.counterparty_iban}</IBAN></Id></{party}Acct>"
        remittance = ""
        if line.reference is not None:
            issuer = "BBA" if line.reference.scheme == "ogm" else "ISO"
            remittance = (
                "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry>"
                f"<Issr>{issuer}</Issr></Tp><Ref>{line.reference.value}</Ref></CdtrRefInf></Strd>"
            )
        if line.text:
            remittance += f"<Ustrd>{escape(line.text)}</Ustrd>"
        e2e = escape(line.end_to_end_id or "NOTPROVIDED")
        entries.append(
            f'<Ntry><Amt Ccy="{ccy}">{abs(line.amount.amount)}</Amt>'
            f"<CdtDbtInd>{'CRDT' if credit else 'DBIT'}</CdtDbtInd><Sts>BOOK</Sts>"
            f"<BookgDt><Dt>{line.booking_date.isoformat()}</Dt></BookgDt>"
            f"<ValDt><Dt>{line.booking_date.isoformat()}</Dt></ValDt>"
            f"<AcctSvcrRef>{escape(line.bank_reference)}</AcctSvcrRef>"
            "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>"
            f"{'RCDT' if credit else 'ICDT'}</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
            f"<NtryDtls><TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs>"
            f"<RltdPties>{parties}</RltdPties>"
            + (f"<RmtInf>{remittance}</RmtInf>" if remittance else "")
            + "</TxDtls></NtryDtls></Ntry>"
        )
    stamp = created_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
        f"<BkToCstmrStmt><GrpHdr><MsgId>{escape(statement_id)}</MsgId>"
        f"<CreDtTm>{stamp}</CreDtTm></GrpHdr>"
        f"<Stmt><Id>{escape(statement_id)}</Id><CreDtTm>{stamp}</CreDtTm>"
        f"<Acct><Id><IBAN>{account_iban}</IBAN></Id><Ccy>{ccy}</Ccy>"
        f"<Ownr><Nm>{escape(owner)}</Nm></Ownr></Acct>"
        + balance("OPBD", opening, first - dt.timedelta(days=1))
        + balance("CLBD", closing, last)
        + "".join(entries)
        + "</Stmt></BkToCstmrStmt></Document>"
    )
    return xml.encode("utf-8")


def _coda_amount(money: Money) -> tuple[str, str]:
    """CODA's sign (``1`` debit) and 15 digits of thousandths."""
    thousandths = int(abs(money.amount) * 1000)
    return ("1" if money.amount < 0 else "0"), f"{thousandths:015d}"


def _ddmmyy(day: dt.date) -> str:
    return day.strftime("%d%m%y")


def _field(text: str, width: int) -> str:
    """Text cut or padded to ``width``, in the characters CODA carries (no line breaks)."""
    return " ".join(text.split())[:width].ljust(width)


def coda(
    *,
    account_iban: str,
    statement_number: int,
    opening: Money,
    lines: list[StatementLine],
    created_at: dt.datetime,
    owner: str = "",
    bic: str = "GKCCBEBB",
) -> bytes:
    """A Belgian CODA v2 file with one statement of a Belgian account, for tests and demos.

    Records 0, 1, 21/22/23 per line, 8 and 9, 128 characters each, lines ended by CRLF; the
    balances and the trailer's counts and sums agree. An OGM reference goes into record 21's
    structured communication (type 101), free text into its unstructured communication; the
    counterparty's IBAN and name into record 23, the end-to-end id into record 22.
    """
    iban = "".join(account_iban.split()).upper()
    if not iban.startswith("BE") or len(iban) != 16:
        raise ValidationError(
            "coda() writes Belgian accounts (BE + 14 characters) only", field="account_iban"
        )
    ccy = opening.currency
    first = min((line.booking_date for line in lines), default=created_at.date())
    last = max((line.booking_date for line in lines), default=created_at.date())
    number = f"{statement_number % 1000:03d}"
    closing = opening + Money.sum((line.amount for line in lines), ccy)
    records = [
        "0000"
        + _ddmmyy(created_at.date())
        + "300"
        + "05"
        + " " * 8
        + "0000000001"
        + _field(owner, 26)
        + _field(bic, 11)
        + "00000000000"
        + " " * 45
    ]
    sign, digits = _coda_amount(opening)
    records.append(
        "12" + number + iban + " " * 18 + ccy + sign + digits + _ddmmyy(first)
        + _field(owner, 26) + _field("Current account", 35) + number
    )  # fmt: skip
    debits = credits = 0
    for seq, line in enumerate(lines, start=1):
        sign, digits = _coda_amount(line.amount)
        if line.amount.amount < 0:
            debits += int(digits)
        else:
            credits += int(digits)
        ogm = (
            line.reference
            if line.reference is not None and line.reference.scheme == "ogm"
            else None
        )
        if ogm is not None:
            communication = "1" + _field("101" + ogm.value, 53)
        else:
            communication = "0" + _field(line.text or "", 53)
        key = f"{seq:04d}0000"
        day = _ddmmyy(line.booking_date)
        records.append(
            "21" + key + _field(line.bank_reference, 21) + sign + digits + day + "00150000"
            + communication + day + number + "0" + "1" + " " + "0"
        )  # fmt: skip
        records.append(
            "22" + key + " " * 53 + _field(line.end_to_end_id or "", 35) + " " * 11
            + " " * 16 + "1" + " " + "0"
        )  # fmt: skip
        records.append(
            "23" + key + _field(line.counterparty_iban or "", 34) + ccy
            + _field(line.counterparty_name, 35) + " " * 43 + "0" + " " + "0"
        )  # fmt: skip
    sign, digits = _coda_amount(closing)
    records.append(
        "8" + number + iban + " " * 18 + ccy + sign + digits + _ddmmyy(last)
    )  # fmt: skip
    counted = len(records) - 1  # records 1, 2x, 3x and 8
    records.append(
        "9" + " " * 15 + f"{counted:06d}" + f"{debits:015d}" + f"{credits:015d}"
    )  # fmt: skip
    body = [r.ljust(127) + "2" if r[0] in "09" else r.ljust(128) for r in records]
    for record in body:
        if len(record) != 128:
            raise AssertionError(f"a CODA record of {len(record)} characters: {record!r}")
    return ("\r\n".join(body) + "\r\n").encode("cp1252", errors="replace")

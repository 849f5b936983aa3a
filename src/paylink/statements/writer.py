"""Writing bank statements: a camt.053.001.02 file, for tests, demos and sandboxes.

paylink reads statements; it writes one only to test what reads them, so this writer is small:
consistent balances, one entry per line, structured references where given.
"""

from __future__ import annotations

import datetime as dt

import attrs

from ..money import Money
from ..references import Reference

__all__ = ["StatementLine", "camt053"]


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

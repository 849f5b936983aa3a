"""ISO 20022 cash-management statements: camt.053 (statement), camt.052 (intraday report) and
camt.054 (debit/credit notification), any version from 001.02 on.

The reader is namespace-agnostic: it takes the namespace of the root element and reads the
element names, which have stayed stable across versions (the few renames, such as ``BIC`` →
``BICFI`` or ``Dbtr/Nm`` → ``Dbtr/Pty/Nm``, are read in both forms).

Streaming: the file is read with :func:`xml.etree.ElementTree.iterparse`; each ``Ntry`` is
turned into transactions when its end tag is read, then removed from the tree, so memory stays
flat whatever the number of entries.

Mapping to :class:`~paylink.statements.model.BankTransaction`:

- ``Ntry/Amt`` with ``CdtDbtInd`` (``DBIT`` is negative); ``RvslInd`` = true flips the sign
  (a reversed credit takes money out, following the German banks' "Storno" usage);
- a batch entry (several ``TxDtls`` under its ``NtryDtls``) gives one transaction per
  ``TxDtls``, with the amount of ``TxDtls/Amt`` or ``TxDtls/AmtDtls/TxAmt/Amt``; its id is the
  entry's ``AcctSvcrRef`` followed by ``-1``, ``-2`` …;
- ``AcctSvcrRef`` is the transaction's ``id`` and ``bank_reference``; without it the id is a
  content hash;
- the counterparty is the debtor for a credit and the creditor for a debit (name, IBAN, BIC);
- ``RmtInf/Strd/CdtrRefInf/Ref`` becomes the structured reference (``SCOR`` issued by ``BBA``
  is a Belgian OGM, by ``ISO`` an RF reference); ``RmtInf/Ustrd`` becomes the remittance text,
  in which a reference is also looked for when there is no structured one;
- entries whose status is ``PDNG`` (pending) or ``INFO`` are skipped: they are not booked.

Balances: ``OPBD`` (or ``PRCD``) is the opening balance and ``CLBD`` the closing balance.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

import defusedxml
import defusedxml.ElementTree as _defused

from ..exceptions import StatementError
from ..money import Money
from ..references import Reference
from ._common import (
    clean,
    compact_iban,
    first_reference,
    make_money,
    negate,
    parse_decimal,
    reference_of,
)
from .base import ContentIds, FormatBase, StatementEvent, StatementFooter, StatementHeader
from .model import BankTransaction, StatementCheck

__all__ = ["CamtFormat"]

_DOCUMENTS = {
    "BkToCstmrStmt": ("Stmt", "camt.053"),
    "BkToCstmrAcctRpt": ("Rpt", "camt.052"),
    "BkToCstmrDbtCdtNtfctn": ("Ntfctn", "camt.054"),
}
_SNIFF_MARKERS = (
    b"BkToCstmrStmt",
    b"BkToCstmrAcctRpt",
    b"BkToCstmrDbtCdtNtfctn",
    b"urn:iso:std:iso:20022:tech:xsd:camt.05",
)
_OPENING = ("OPBD", "PRCD")
_SKIPPED_STATUS = frozenset({"PDNG", "INFO", "FUTR"})
_NOT_PROVIDED = frozenset({"NOTPROVIDED", "NONREF", ""})


def _local(tag: str) -> str:
    return tag[tag.find("}") + 1 :]


class _Paths:
    """Namespace-qualified tag paths, built once per document.

    Paths are walked one child at a time: ``Element.find`` with a single tag runs in C, while
    a path with ``/`` goes through the pure-Python ElementPath, several times slower.
    """

    def __init__(self, namespace: str) -> None:
        self._ns = namespace
        self._cache: dict[str, tuple[str, ...]] = {}

    def __call__(self, path: str) -> tuple[str, ...]:
        try:
            return self._cache[path]
        except KeyError:
            qualified = tuple(self._ns + part for part in path.split("/"))
            self._cache[path] = qualified
            return qualified

    def find(self, node: ET.Element, path: str) -> ET.Element | None:
        """The first element at ``path`` under ``node`` (following first matches), or None."""
        found = node
        for tag in self(path):
            child = found.find(tag)
            if child is None:
                return None
            found = child
        return found

    def findall(self, node: ET.Element, path: str) -> list[ET.Element]:
        """Every element at ``path`` under ``node``."""
        *parents, last = self(path)
        level = [node]
        for tag in parents:
            level = [child for item in level for child in item.findall(tag)]
        return [child for item in level for child in item.findall(last)]


class _Entry:
    """Reads one ``Ntry`` element (and its details) into transactions."""

    def __init__(self, p: _Paths, file: str, element: str) -> None:
        self.p = p
        self.file = file
        self.element = element

    def text(self, node: ET.Element, path: str) -> str | None:
        found = self.p.find(node, path)
        if found is None or found.text is None:
            return None
        value = found.text.strip()
        return value or None

    def first_text(self, node: ET.Element, *paths: str) -> str | None:
        for path in paths:
            value = self.text(node, path)
            if value is not None:
                return value
        return None

    def amount(self, node: ET.Element, path: str) -> Money:
        where = f"{self.element}/{path}"
        amt = self.p.find(node, path)
        if amt is None:
            raise StatementError("expected an amount element", file=self.file, element=where)
        value = parse_decimal(amt.text, file=self.file, element=where)
        return make_money(value, amt.get("Ccy"), file=self.file, element=where)

    def date(self, node: ET.Element, path: str) -> dt.date | None:
        raw = self.first_text(node, f"{path}/Dt", f"{path}/DtTm")
        if raw is None:
            return None
        try:
            return dt.date.fromisoformat(raw[:10])
        except ValueError:
            raise StatementError(
                f"expected an ISO date like 2026-01-31, got {raw!r}",
                file=self.file,
                element=f"{self.element}/{path}",
            ) from None

    def indicator(self, node: ET.Element, path: str) -> int:
        value = self.text(node, path)
        if value == "CRDT":
            return 1
        if value == "DBIT":
            return -1
        raise StatementError(
            f"expected CRDT or DBIT, got {value!r}",
            file=self.file,
            element=f"{self.element}/{path}",
        )

    def bank_code(self, node: ET.Element) -> str | None:
        domain = self.text(node, "BkTxCd/Domn/Cd")
        if domain:
            family = self.text(node, "BkTxCd/Domn/Fmly/Cd") or ""
            sub = self.text(node, "BkTxCd/Domn/Fmly/SubFmlyCd") or ""
            return "/".join(part for part in (domain, family, sub) if part)
        return self.text(node, "BkTxCd/Prtry/Cd")

    def party(self, tx: ET.Element, role: str) -> tuple[str | None, str | None, str | None]:
        name = self.first_text(tx, f"RltdPties/{role}/Nm", f"RltdPties/{role}/Pty/Nm")
        iban = compact_iban(self.text(tx, f"RltdPties/{role}Acct/Id/IBAN"))
        if iban is None:
            iban = self.text(tx, f"RltdPties/{role}Acct/Id/Othr/Id")
        bic = self.first_text(
            tx, f"RltdAgts/{role}Agt/FinInstnId/BIC", f"RltdAgts/{role}Agt/FinInstnId/BICFI"
        )
        return clean(name), iban, bic

    def remittance(self, tx: ET.Element) -> tuple[Reference | None, str | None]:
        texts = [t.text.strip() for t in self.p.findall(tx, "RmtInf/Ustrd") if t.text]
        reference: Reference | None = None
        for strd in self.p.findall(tx, "RmtInf/Strd"):
            ref = self.text(strd, "CdtrRefInf/Ref")
            if ref and reference is None:
                issuer = (self.text(strd, "CdtrRefInf/Tp/Issr") or "").upper()
                scheme = {"BBA": "ogm", "ISO": "rf"}.get(issuer)
                reference = _check(ref, scheme)
                if reference is None:
                    texts.append(ref)  # an unchecked reference is still useful text
            extra = self.text(strd, "AddtlRmtInf")
            if extra:
                texts.append(extra)
        text = clean(" ".join(texts))
        if reference is None:
            reference = first_reference(text)
        return reference, text


def _check(value: str, scheme: str | None) -> Reference | None:
    ref = reference_of(value.strip())
    if ref is not None and scheme is not None and ref.scheme != scheme:
        return None
    return ref


class CamtFormat(FormatBase):
    """ISO 20022 camt.052 / camt.053 / camt.054, versions 001.02 and later (see module doc)."""

    name = "camt"

    def sniff(self, head: bytes) -> bool:
        """Recognise an ISO 20022 bank-to-customer document by its root element or namespace.

        A UTF-16 document (with or without byte order mark) is recognised too.
        """
        if b"\x00" in head[:4] or head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            even = head[: len(head) // 2 * 2]
            for encoding in ("utf-16", "utf-16-le", "utf-16-be"):
                try:
                    text = even.decode(encoding).lstrip("\ufeff")
                except UnicodeDecodeError:
                    continue
                if text.startswith("<"):
                    head = text.encode("utf-8", "replace")
                    break
        return b"<" in head and any(marker in head for marker in _SNIFF_MARKERS)

    def _events(self, stream: IO[bytes], filename: str) -> Iterator[StatementEvent]:
        names: list[str] = []  # local names of the open elements, for error paths
        elems: list[ET.Element] = []
        p: _Paths | None = None
        container = ""
        message_type = ""
        statements = 0
        entries = 0
        state: _Statement | None = None
        saw_document = False
        try:
            for events in _pull(stream, filename):
                for event, elem in events:
                    if event == "start":
                        depth = len(elems)
                        elems.append(elem)
                        if depth >= 3:
                            if depth == 3 and state is not None:
                                name = _local(elem.tag)
                                if name == "Ntry":
                                    entries += 1
                                    name = f"Ntry[{entries}]"
                                names.append(name)
                            continue
                        name = _local(elem.tag)
                        if depth == 0:
                            namespace = elem.tag[: elem.tag.find("}") + 1]
                            p = _Paths(namespace)
                            message_type = namespace.strip("{}").rpartition(":")[2]
                            if name != "Document":
                                raise StatementError(
                                    f"expected an ISO 20022 <Document>, got <{name}>",
                                    file=filename,
                                    element=f"/{name}",
                                )
                        elif depth == 1:
                            if name not in _DOCUMENTS:
                                raise StatementError(
                                    "expected BkToCstmrStmt, BkToCstmrAcctRpt or "
                                    f"BkToCstmrDbtCdtNtfctn, got <{name}>",
                                    file=filename,
                                    element=f"/Document/{name}",
                                )
                            container = _DOCUMENTS[name][0]
                            saw_document = True
                        elif depth == 2 and name == container:
                            statements += 1
                            entries = 0
                            name = f"{name}[{statements}]"
                            assert p is not None
                            state = _Statement(
                                p, filename, "/".join(["", *names, name]), message_type
                            )
                        names.append(name)
                        continue
                    # end event
                    elems.pop()
                    depth = len(elems)
                    if depth > 3:
                        continue
                    if depth == 3:
                        if state is not None:
                            parent = elems[-1]
                            yield from state.child(elem, names[-1])
                            parent.remove(elem)
                            names.pop()
                        continue
                    if depth == 2:
                        if state is not None:
                            yield from state.finish()
                            state = None
                        elems[-1].remove(elem)
                    names.pop()
        except defusedxml.DefusedXmlException as exc:
            raise StatementError(
                "expected an ISO 20022 document without a DTD: <!DOCTYPE> and entities are "
                f"refused ({type(exc).__name__})",
                file=filename,
                element="/" + "/".join(names) if names else None,
            ) from None
        except LookupError as exc:  # an unknown encoding in the XML declaration
            raise StatementError(f"expected a known XML encoding: {exc}", file=filename) from None
        except ET.ParseError as exc:
            line = exc.position[0] if exc.position else None
            raise StatementError(
                f"expected well-formed XML: {exc}",
                file=filename,
                line=line,
                element="/" + "/".join(names) if names else None,
            ) from None
        if not saw_document:
            raise StatementError(
                "expected an ISO 20022 camt document, found no BkToCstmr* element", file=filename
            )


def _pull(stream: IO[bytes], filename: str) -> Iterator[Iterator[tuple[str, ET.Element]]]:
    """Parse events of ``stream`` through a hardened parser that refuses any DTD.

    Bank files never declare a DTD. defusedxml's parser refuses a ``<!DOCTYPE`` wherever it
    stands and in whatever encoding expat reads (UTF-8 with or without BOM, UTF-16 with or
    without BOM, Latin-1 …), before any entity of it is declared, so no entity expansion
    (billion laughs, quadratic blow-up), external entity or external DTD is ever processed,
    whatever the system's XML library would do with them.
    """
    yield _defused.iterparse(stream, events=("start", "end"), forbid_dtd=True)


class _Statement:
    """The state of one ``Stmt``/``Rpt``/``Ntfctn`` while its children stream past."""

    def __init__(self, p: _Paths, file: str, element: str, message_type: str) -> None:
        self.p = p
        self.file = file
        self.element = element
        self.id: str | None = None
        self.account: str | None = None
        self.currency: str | None = None
        self.opening: Money | None = None
        self.opening_date: dt.date | None = None
        self.closing: Money | None = None
        self.closing_date: dt.date | None = None
        self.extra: dict[str, str] = {"message_type": message_type} if message_type else {}
        self.header_sent = False
        self.ids = ContentIds("camt")
        self.summary: dict[str, tuple[int | None, Decimal | None]] = {}
        # entries read, per direction: count and sum of the entry amounts (TxsSummry's terms)
        self.counted: dict[str, list[Any]] = {"CRDT": [0, Decimal(0)], "DBIT": [0, Decimal(0)]}
        # The net of the entries as booked: a reversal (RvslInd) counts against its indicator.
        self.net = Decimal(0)

    def child(self, elem: ET.Element, name: str) -> Iterator[StatementEvent]:
        reader = _Entry(self.p, self.file, f"{self.element}/{name}")
        if name.startswith("Ntry["):
            if not self.header_sent:
                yield self.header(reader, elem)
            yield from self.entry(reader, elem)
            return
        local = _local(elem.tag)
        if local == "Id":
            self.id = (elem.text or "").strip() or None
        elif local == "Acct":
            self.account = compact_iban(reader.text(elem, "Id/IBAN")) or reader.text(
                elem, "Id/Othr/Id"
            )
            self.currency = reader.text(elem, "Ccy")
        elif local == "Bal":
            self.balance(reader, elem)
        elif local == "TxsSummry":
            self.read_summary(reader, elem)
        elif (
            local in ("ElctrncSeqNb", "LglSeqNb", "CreDtTm", "RptgSeq")
            and (elem.text or "").strip()
        ):
            self.extra[local] = (elem.text or "").strip()

    def balance(self, reader: _Entry, elem: ET.Element) -> None:
        code = reader.first_text(elem, "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry")
        if code not in (*_OPENING, "CLBD"):
            return
        amount = reader.amount(elem, "Amt")
        if reader.indicator(elem, "CdtDbtInd") < 0:
            amount = negate(amount)
        date = reader.date(elem, "Dt")
        if code == "CLBD":
            self.closing, self.closing_date = amount, date
        elif self.opening is None or code == "OPBD":
            self.opening, self.opening_date = amount, date
        if self.currency is None:
            self.currency = amount.currency

    def read_summary(self, reader: _Entry, elem: ET.Element) -> None:
        """What ``TxsSummry`` states: entry counts and sums, in total and per direction."""
        for part, key in (
            ("TtlNtries", "total"),
            ("TtlCdtNtries", "CRDT"),
            ("TtlDbtNtries", "DBIT"),
        ):
            number = reader.text(elem, f"{part}/NbOfNtries")
            total = reader.text(elem, f"{part}/Sum")
            where = f"{reader.element}/{part}"
            count = None
            if number is not None:
                if not number.isdigit():
                    raise StatementError(
                        f"expected a number of entries, got {number!r}",
                        file=self.file,
                        element=f"{where}/NbOfNtries",
                    )
                count = int(number)
            amount = None
            if total is not None:
                amount = parse_decimal(total, file=self.file, element=f"{where}/Sum")
            if count is not None or amount is not None:
                self.summary[key] = (count, amount)
        net = reader.text(elem, "TtlNtries/TtlNetNtry/Amt") or reader.text(
            elem, "TtlNtries/TtlNetNtryAmt"
        )
        if net is not None:
            value = parse_decimal(net, file=self.file, element=f"{reader.element}/TtlNtries")
            sign = reader.text(elem, "TtlNtries/TtlNetNtry/CdtDbtInd") or reader.text(
                elem, "TtlNtries/CdtDbtInd"
            )
            self.summary["net"] = (None, -value if sign == "DBIT" else value)

    def summary_checks(self) -> tuple[StatementCheck, ...]:
        """``TxsSummry`` against the entries read (every entry, whatever its status)."""
        credit_count, credit_sum = self.counted["CRDT"]
        debit_count, debit_sum = self.counted["DBIT"]
        computed: dict[str, tuple[int, Decimal]] = {
            "total": (credit_count + debit_count, credit_sum + debit_sum),
            "CRDT": (credit_count, credit_sum),
            "DBIT": (debit_count, debit_sum),
            "net": (0, self.net),
        }
        labels = {"total": "entries", "CRDT": "credit entries", "DBIT": "debit entries"}
        checks: list[StatementCheck] = []
        where = f"{self.element}/TxsSummry"
        for key, (count, amount) in self.summary.items():
            found_count, found_sum = computed[key]
            if key == "net":
                checks.append(
                    StatementCheck(
                        name="net entry sum", ok=amount == found_sum, stated=str(amount),
                        computed=str(found_sum), where=where,
                    )
                )  # fmt: skip
                continue
            if count is not None:
                checks.append(
                    StatementCheck(
                        name=f"{labels[key]} count", ok=count == found_count, stated=str(count),
                        computed=str(found_count), where=where,
                    )
                )  # fmt: skip
            if amount is not None:
                checks.append(
                    StatementCheck(
                        name=f"{labels[key]} sum", ok=amount == found_sum, stated=str(amount),
                        computed=str(found_sum), where=where,
                    )
                )  # fmt: skip
        return tuple(checks)

    def header(self, reader: _Entry, first_entry: ET.Element | None) -> StatementHeader:
        self.header_sent = True
        currency = self.currency
        if currency is None and first_entry is not None:
            amt = self.p.find(first_entry, "Amt")
            currency = amt.get("Ccy") if amt is not None else None
        if not currency:
            raise StatementError(
                "expected the account currency (Acct/Ccy), a balance or an entry amount",
                file=self.file,
                element=self.element,
            )
        self.currency = currency
        statement_id = self.id or ContentIds("camt").make(
            None, self.account, self.opening_date, self.closing_date, self.extra.get("CreDtTm")
        )
        return StatementHeader(
            id=statement_id,
            account_iban=self.account,
            currency=currency,
            opening_balance=self.opening,
            opening_date=self.opening_date,
            closing_balance=self.closing,
            closing_date=self.closing_date,
            extra=self.extra,
        )

    def finish(self) -> Iterator[StatementEvent]:
        if not self.header_sent:
            yield self.header(_Entry(self.p, self.file, self.element), None)
        yield StatementFooter(
            closing_balance=self.closing,
            closing_date=self.closing_date,
            checks=self.summary_checks(),
        )

    def entry(self, r: _Entry, ntry: ET.Element) -> Iterator[BankTransaction]:
        amount = r.amount(ntry, "Amt")
        direction = r.indicator(ntry, "CdtDbtInd")
        if amount.currency != self.currency:
            # Ntry/Amt is in the account's currency; another currency would escape the
            # balance check (a foreign amount belongs in AmtDtls).
            raise StatementError(
                f"expected the entry amount in the account currency {self.currency}, "
                f"got {amount.currency}",
                file=self.file,
                element=f"{r.element}/Amt",
            )
        tally = self.counted["CRDT" if direction > 0 else "DBIT"]
        tally[0] += 1
        tally[1] += amount.amount
        reversed_entry = (r.text(ntry, "RvslInd") or "").lower() in ("true", "1")
        self.net += amount.amount if (direction > 0) != reversed_entry else -amount.amount
        status = r.first_text(ntry, "Sts", "Sts/Cd")
        if status in _SKIPPED_STATUS:
            return
        reversal = (r.text(ntry, "RvslInd") or "").lower() in ("true", "1")
        booking = r.date(ntry, "BookgDt")
        value = r.date(ntry, "ValDt")
        if booking is None:
            booking = value
        if booking is None:
            raise StatementError(
                "expected a booking date (BookgDt) or a value date (ValDt)",
                file=self.file,
                element=r.element,
            )
        entry_ref = r.text(ntry, "AcctSvcrRef")
        entry_code = r.bank_code(ntry)
        entry_info = r.text(ntry, "AddtlNtryInf")
        details = self.p.findall(ntry, "NtryDtls/TxDtls")
        if len(details) <= 1:
            tx = details[0] if details else None
            yield self.transaction(
                r, tx, amount, direction, reversal, booking, value, entry_ref, entry_ref,
                entry_code, entry_info,
            )  # fmt: skip
            return
        for index, tx in enumerate(details, start=1):
            detail_r = _Entry(self.p, self.file, f"{r.element}/NtryDtls/TxDtls[{index}]")
            if self.p.find(tx, "Amt") is not None:
                detail_amount = detail_r.amount(tx, "Amt")
            elif self.p.find(tx, "AmtDtls/TxAmt/Amt") is not None:
                detail_amount = detail_r.amount(tx, "AmtDtls/TxAmt/Amt")
            else:
                raise StatementError(
                    "expected the amount of a batch detail (Amt or AmtDtls/TxAmt/Amt)",
                    file=self.file,
                    element=detail_r.element,
                )
            detail_direction = (
                detail_r.indicator(tx, "CdtDbtInd")
                if self.p.find(tx, "CdtDbtInd") is not None
                else direction
            )
            detail_id = f"{entry_ref}-{index}" if entry_ref else None
            yield self.transaction(
                detail_r, tx, detail_amount, detail_direction, reversal, booking, value,
                detail_id, entry_ref, entry_code, None,
            )  # fmt: skip

    def transaction(
        self,
        r: _Entry,
        tx: ET.Element | None,
        amount: Money,
        direction: int,
        reversal: bool,
        booking: dt.date,
        value: dt.date | None,
        entry_id: str | None,
        bank_reference: str | None,
        code: str | None,
        info: str | None,
    ) -> BankTransaction:
        sign = -direction if reversal else direction
        signed = amount if sign > 0 else negate(amount)
        name = iban = bic = end_to_end = None
        reference: Reference | None = None
        text: str | None = None
        if tx is not None:
            # The counterparty is who sent the money in (debtor) or received it (creditor).
            name, iban, bic = r.party(tx, "Dbtr" if direction > 0 else "Cdtr")
            end_to_end = r.text(tx, "Refs/EndToEndId")
            if end_to_end is not None and end_to_end.upper() in _NOT_PROVIDED:
                end_to_end = None
            reference, text = r.remittance(tx)
            code = r.bank_code(tx) or code
            if text is None:
                text = clean(r.text(tx, "AddtlTxInf"))
            if entry_id is None:
                entry_id = r.text(tx, "Refs/AcctSvcrRef")
            if bank_reference is None:
                bank_reference = r.text(tx, "Refs/AcctSvcrRef")
        if text is None:
            text = clean(info)
            if reference is None:
                reference = first_reference(text)
        if entry_id is None:
            entry_id = self.ids.make(
                booking, self.account, booking, value, signed.amount, signed.currency,
                iban, name, reference, text, end_to_end, code,
            )  # fmt: skip
        return BankTransaction(
            id=entry_id,
            account_iban=self.account,
            booking_date=booking,
            value_date=value,
            amount=signed,
            counterparty_name=name,
            counterparty_iban=iban,
            counterparty_bic=bic,
            structured_reference=reference,
            remittance_text=text,
            bank_transaction_code=code,
            bank_reference=bank_reference,
            end_to_end_id=end_to_end,
        )

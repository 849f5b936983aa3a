"""ISO 20022 cash-management statements: camt.053 (statement), camt.052 (intraday report) and
camt.054 (debit/credit notification), any version from 001.02 on.

The reader is namespace-agnostic: it takes the namespace of the root element and reads the
element names, which have stayed stable across versions (the few renames, such as ``BIC`` →
``BICFI`` or ``Dbtr/Nm`` → ``Dbtr/Pty/Nm``, are read in both forms).

Streaming: the file goes through one pass of expat (:mod:`xml.parsers.expat`, 64 KiB at a
time), with defusedxml's refusals of a DTD, entity declarations and external references set on
the parser; each ``Ntry`` is read into a flat record of the texts it needs while it streams
past and turned into transactions at its end tag, so memory stays flat whatever the number of
entries (see :class:`_Reader`).

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
import functools
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any
from xml.parsers import expat

import defusedxml

from ..exceptions import StatementError
from ..money import CURRENCY_EXPONENTS, Money
from ..references import Reference
from ._common import (
    clean,
    compact_iban,
    first_reference,
    make_money,
    negate,
    new_transaction,
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
_AMOUNT_TEXT = re.compile(r"\d+(?:\.\d+)?")  # parse_decimal's, on an already stripped text
_QUANTA = {code: Decimal(1).scaleb(-exp) for code, exp in CURRENCY_EXPONENTS.items()}


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
        return _date(raw, self.file, self.element, path)

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
        return _Reader(filename).run(stream)


_CHUNK = 1 << 16
"""Bytes handed to expat at a time: the events of one chunk are yielded before the next is read."""

_CODE_FIELDS = (
    "BkTxCd/Domn/Cd",
    "BkTxCd/Domn/Fmly/Cd",
    "BkTxCd/Domn/Fmly/SubFmlyCd",
    "BkTxCd/Prtry/Cd",
)
_NTRY_FIELDS = (
    "Amt", "CdtDbtInd", "RvslInd", "Sts", "Sts/Cd", "BookgDt/Dt", "BookgDt/DtTm", "ValDt/Dt",
    "ValDt/DtTm", "AcctSvcrRef", "AddtlNtryInf", *_CODE_FIELDS,
)  # fmt: skip
_TX_FIELDS = (
    "Amt", "AmtDtls/TxAmt/Amt", "CdtDbtInd", "Refs/EndToEndId", "Refs/AcctSvcrRef", "AddtlTxInf",
    *_CODE_FIELDS,
    *(
        path.format(role=role)
        for role in ("Dbtr", "Cdtr")
        for path in (
            "RltdPties/{role}/Nm", "RltdPties/{role}/Pty/Nm", "RltdPties/{role}Acct/Id/IBAN",
            "RltdPties/{role}Acct/Id/Othr/Id", "RltdAgts/{role}Agt/FinInstnId/BIC",
            "RltdAgts/{role}Agt/FinInstnId/BICFI",
        )
    ),
)  # fmt: skip
_STRD_FIELDS = ("CdtrRefInf/Ref", "CdtrRefInf/Tp/Issr", "AddtlRmtInf")
_USTRD = "RmtInf/Ustrd"
"""The one field read in every occurrence (a list of texts), not only the first."""
_DETAILS = "TxDtls"
_STRUCTURED = "Strd"


# The kinds of _Node, most frequent first: what entry_start does with such an element.
_TEXT = 1  # keep its text
_AMOUNT = 2  # keep its text and its Ccy attribute
_FIRST = 3  # follow it if it is the first of its name in the record, else skip its subtree
_FIRST_TEXT = 4  # both _FIRST and _TEXT (Sts holds a code, or a Cd that holds it)
_RECORD = 5  # start a new record (TxDtls, Strd)
_LIST = 6  # add its text to a list (Ustrd)
_PLAIN = 0  # follow it every time (NtryDtls, RmtInf), or skip it (_IGNORED)


class _Node:
    """An element of interest inside an ``Ntry``, reached from its parent by qualified name.

    ``key`` is where its text goes, stripped, in the record of the enclosing ``Ntry``,
    ``TxDtls`` or ``Strd`` (its path from there; the first text stored stays; the texts of
    ``Ustrd``, every one, go unstripped into a list); ``ccy`` where its ``Ccy``
    attribute goes; ``record`` the list that a new record of its own joins (a ``TxDtls`` or
    ``Strd`` element). ``once``: only the first such element of a record is followed, as
    ``Element.find`` follows the first match at each step of a path; the others, what
    ``findall`` reads, are followed every time (every ``TxDtls`` of every ``NtryDtls``, every
    ``Ustrd`` and ``Strd`` of every ``RmtInf``). Any other element leads to :data:`_IGNORED`,
    whose subtree is skipped.
    """

    __slots__ = ("ccy", "children", "key", "kind", "once", "record")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.key: str | None = None
        self.ccy: str | None = None
        self.record: str | None = None
        self.once = True
        self.kind = _PLAIN  # what the handlers do with it, from the above (see _settle)


_IGNORED = _Node()


def _fields(ns: str, fields: tuple[str, ...], root: _Node | None = None) -> _Node:
    root = root or _Node()
    for path in fields:
        node = _walk(root, ns, path)
        node.key = path
        if path.endswith("Amt"):
            node.ccy = path + "@Ccy"
    return root


def _walk(root: _Node, ns: str, path: str) -> _Node:
    node = root
    for part in path.split("/"):
        node = node.children.setdefault(ns + part, _Node())
    return node


@functools.lru_cache(maxsize=8)
def _entry_tree(ns: str) -> _Node:
    """The elements read from an ``Ntry`` in namespace ``ns`` (expat's ``uri}`` form)."""
    ntry = _fields(ns, _NTRY_FIELDS)
    details = _fields(ns, (*_TX_FIELDS, _USTRD), _walk(ntry, ns, "NtryDtls/TxDtls"))
    details.record = _DETAILS
    structured = _fields(ns, _STRD_FIELDS, _walk(details, ns, "RmtInf/Strd"))
    structured.record = _STRUCTURED
    for node in (ntry.children[ns + "NtryDtls"], details.children[ns + "RmtInf"]):
        node.once = False
    _settle(ntry)
    ntry.kind = _PLAIN
    return ntry


def _settle(node: _Node) -> None:
    if node.record is not None:
        node.kind = _RECORD
    elif node.key is _USTRD:
        node.kind = _LIST
    elif node.key is not None and node.children:
        node.kind = _FIRST_TEXT
    elif node.key is not None:
        # A leaf keeps the first text stored (dict.setdefault): no mark needed when it starts.
        node.kind = _AMOUNT if node.ccy is not None else _TEXT
    elif node.once:
        node.kind = _FIRST
    for child in node.children.values():
        _settle(child)


def _et_tag(name: str) -> str:
    """expat's ``uri}local`` as ElementTree's ``{uri}local``."""
    return "{" + name if "}" in name else name


def _refuse_doctype(name: str, *_: object) -> None:
    raise defusedxml.DTDForbidden(name, None, None)


def _refuse_entity(name: str, *_: object) -> None:
    raise defusedxml.EntitiesForbidden(name, None, None, None, None, None)


def _refuse_external(context: str, base: str | None, sysid: str | None, pubid: str | None) -> int:
    raise defusedxml.ExternalReferenceForbidden(context, base, sysid, pubid)


class _Reader:
    """One pass of expat over a document, turning its elements into statement events.

    Outside the entries, the handlers follow the document's shape (``Document``, the
    ``BkToCstmr*`` message, its statements); a statement's children other than ``Ntry`` (a
    handful: ``Acct``, ``Bal``, ``TxsSummry`` …) are built as small ElementTree elements and
    read by :class:`_Statement`. Inside an ``Ntry``, which is nearly all of a file, other
    handlers walk the :class:`_Node` tree of the fields read, each text going straight into a
    flat record (a dict keyed by path) and every other subtree skipped: no element objects,
    no path lookups afterwards.
    """

    def __init__(self, filename: str) -> None:
        self.file = filename

    def run(self, stream: IO[bytes]) -> Iterator[StatementEvent]:
        file = self.file
        # No intern dict: pyexpat would hash and look up every name in it; the handlers look
        # up only the names they follow, once each.
        parser = expat.ParserCreate(None, "}", intern=None)
        parser.buffer_text = True
        # defusedxml's guards on the parser itself: a <!DOCTYPE> is refused where it starts,
        # before any entity of it is declared, in whatever encoding expat reads.
        parser.StartDoctypeDeclHandler = _refuse_doctype
        parser.EntityDeclHandler = _refuse_entity
        parser.UnparsedEntityDeclHandler = _refuse_entity
        parser.ExternalEntityRefHandler = _refuse_external
        buf: list[str] = []  # the character data since the last start or end tag
        parser.CharacterDataHandler = buf.append
        out: list[StatementEvent] = []  # events of the chunk being parsed
        tags: list[str] = []  # open elements outside the entries and captured children
        names: list[str] = []  # local names of the open elements down to depth 3, for errors
        state: _Statement | None = None
        p: _Paths | None = None
        ntry_tree = _IGNORED
        container = message_type = ""
        statements = entries = 0
        saw_document = False
        # inside an entry
        nodes: list[_Node] = []
        records: list[dict[Any, Any]] = []
        record: dict[Any, Any] = {}
        text_node: _Node | None = None  # the element whose text is being read
        # inside a captured statement child
        builder = ET.TreeBuilder()
        captured = 0

        def outer_start(name: str, attrs: dict[str, str]) -> None:
            nonlocal state, p, ntry_tree, container, message_type, statements, entries
            nonlocal saw_document, record, text_node, builder, captured
            depth = len(tags)
            tags.append(name)
            buf.clear()
            local = name[name.find("}") + 1 :]
            if depth >= 3:
                if depth == 3 and state is not None:
                    if local == "Ntry":
                        entries += 1
                        names.append(f"Ntry[{entries}]")
                        record = {}
                        records[:] = [record]
                        nodes[:] = [ntry_tree]
                        text_node = None
                        parser.StartElementHandler = entry_start
                        parser.EndElementHandler = entry_end
                    else:
                        names.append(local)
                        builder = ET.TreeBuilder()
                        builder.start(_et_tag(name), {_et_tag(k): v for k, v in attrs.items()})
                        captured = 1
                        parser.StartElementHandler = capture_start
                        parser.EndElementHandler = capture_end
                return
            if depth == 0:
                namespace = name[: name.find("}") + 1]
                qualified = "{" + namespace if namespace else ""
                p = _Paths(qualified)
                ntry_tree = _entry_tree(namespace)
                message_type = qualified.strip("{}").rpartition(":")[2]
                if local != "Document":
                    raise StatementError(
                        f"expected an ISO 20022 <Document>, got <{local}>",
                        file=file,
                        element=f"/{local}",
                    )
            elif depth == 1:
                if local not in _DOCUMENTS:
                    raise StatementError(
                        "expected BkToCstmrStmt, BkToCstmrAcctRpt or "
                        f"BkToCstmrDbtCdtNtfctn, got <{local}>",
                        file=file,
                        element=f"/Document/{local}",
                    )
                container = _DOCUMENTS[local][0]
                saw_document = True
            elif local == container:
                statements += 1
                entries = 0
                local = f"{local}[{statements}]"
                assert p is not None
                state = _Statement(p, file, "/".join(["", *names, local]), message_type)
            names.append(local)

        def outer_end(name: str) -> None:
            nonlocal state
            tags.pop()
            depth = len(tags)
            if depth >= 3:
                return
            if depth == 2 and state is not None:
                out.extend(state.finish())
                state = None
            names.pop()

        def entry_start(name: str, attrs: dict[str, str]) -> None:
            nonlocal record, text_node
            if text_node is not None:
                # A child in an element read for its text: that text is what came before the
                # child (ElementTree's .text), and the element goes on the stack after all.
                if text_node.kind == _LIST:
                    record.setdefault(_USTRD, []).append("".join(buf))
                else:
                    record.setdefault(text_node.key, "".join(buf).strip())
                nodes.append(text_node)
                text_node = None
            node = nodes[-1].children.get(name, _IGNORED)
            kind = node.kind
            # Most frequent first (a typical entry: 17 _FIRST, 13 _TEXT, 3 _PLAIN, 2 _AMOUNT).
            if kind == _FIRST:
                # Followed if it is the first of its name in the record, as Element.find would:
                # one dict operation, since this call's fresh attrs is stored only when new.
                if record.setdefault(node, attrs) is not attrs:
                    node = _IGNORED
            elif kind == _TEXT:
                buf.clear()
                text_node = node  # not stacked: its end comes next, but for a stray child
                return
            elif kind == _AMOUNT:
                buf.clear()
                text_node = node
                record.setdefault(node.ccy, attrs.get("Ccy"))
                return
            elif kind == _FIRST_TEXT:
                if record.setdefault(node, attrs) is not attrs:
                    node = _IGNORED
                else:
                    buf.clear()
                    text_node = node
                    return
            elif kind == _RECORD:
                child: dict[Any, Any] = {}
                record.setdefault(node.record, []).append(child)
                records.append(child)
                record = child
            elif kind == _LIST:
                buf.clear()
                text_node = node
                return
            nodes.append(node)

        def entry_end(name: str) -> None:
            nonlocal record, text_node
            if text_node is not None:  # the end of the element read for its text
                if text_node.kind == _LIST:
                    record.setdefault(_USTRD, []).append("".join(buf))
                else:
                    record.setdefault(text_node.key, "".join(buf).strip())
                text_node = None
                return
            node = nodes.pop()
            if node.kind == _RECORD:
                records.pop()
                record = records[-1]
            elif not nodes:  # the Ntry itself
                tags.pop()
                parser.StartElementHandler = outer_start
                parser.EndElementHandler = outer_end
                assert state is not None
                state.entry(record, f"{state.element}/{names[-1]}", out)
                names.pop()

        def capture_start(name: str, attrs: dict[str, str]) -> None:
            nonlocal captured
            if buf:
                builder.data("".join(buf))
                buf.clear()
            builder.start(_et_tag(name), {_et_tag(k): v for k, v in attrs.items()})
            captured += 1

        def capture_end(name: str) -> None:
            nonlocal captured
            if buf:
                builder.data("".join(buf))
                buf.clear()
            elem = builder.end(_et_tag(name))
            captured -= 1
            if captured == 0:
                tags.pop()
                parser.StartElementHandler = outer_start
                parser.EndElementHandler = outer_end
                assert state is not None
                state.child(elem, names[-1])
                names.pop()

        parser.StartElementHandler = outer_start
        parser.EndElementHandler = outer_end
        try:
            while True:
                chunk = stream.read(_CHUNK)
                failure: Exception | None = None
                try:
                    parser.Parse(chunk, not chunk)
                except Exception as exc:  # raised below, after the events before it
                    failure = exc
                yield from out
                out.clear()
                if failure is not None:
                    raise failure
                if not chunk:
                    break
        except defusedxml.DefusedXmlException as exc:
            raise StatementError(
                "expected an ISO 20022 document without a DTD: <!DOCTYPE> and entities are "
                f"refused ({type(exc).__name__})",
                file=file,
                element="/" + "/".join(names) if names else None,
            ) from None
        except LookupError as exc:  # an unknown encoding in the XML declaration
            raise StatementError(f"expected a known XML encoding: {exc}", file=file) from None
        except expat.ExpatError as exc:
            raise StatementError(
                f"expected well-formed XML: {exc}",
                file=file,
                line=exc.lineno,
                element="/" + "/".join(names) if names else None,
            ) from None
        if not saw_document:
            raise StatementError(
                "expected an ISO 20022 camt document, found no BkToCstmr* element", file=file
            )


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

    def child(self, elem: ET.Element, name: str) -> None:
        """Read a child of the statement other than an entry (``Acct``, ``Bal`` …)."""
        reader = _Entry(self.p, self.file, f"{self.element}/{name}")
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

    def header(self, entry_currency: str | None) -> StatementHeader:
        """The statement's header; ``entry_currency`` (the first entry's) stands in for a
        currency the statement does not state."""
        self.header_sent = True
        currency = self.currency
        if currency is None:
            currency = entry_currency
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
            yield self.header(None)
        yield StatementFooter(
            closing_balance=self.closing,
            closing_date=self.closing_date,
            checks=self.summary_checks(),
        )

    def entry(self, e: dict[Any, Any], element: str, out: list[StatementEvent]) -> None:
        """Read the record of one ``Ntry`` (see :class:`_Reader`) into events on ``out``.

        The record's texts are stripped, and blank ones read as absent (``… or None``).
        """
        file = self.file
        if not self.header_sent:
            out.append(self.header(e.get("Amt@Ccy")))
        amount = _amount(e, "Amt", file, element)
        direction = _indicator(e, file, element)
        if amount.currency != self.currency:
            # Ntry/Amt is in the account's currency; another currency would escape the
            # balance check (a foreign amount belongs in AmtDtls).
            raise StatementError(
                f"expected the entry amount in the account currency {self.currency}, "
                f"got {amount.currency}",
                file=file,
                element=f"{element}/Amt",
            )
        tally = self.counted["CRDT" if direction > 0 else "DBIT"]
        tally[0] += 1
        tally[1] += amount.amount
        reversal = (e.get("RvslInd") or "").lower() in ("true", "1")
        # The net of the entries as booked: a reversal (RvslInd) counts against its indicator.
        self.net += amount.amount if (direction > 0) != reversal else -amount.amount
        status = e.get("Sts") or e.get("Sts/Cd")
        if status in _SKIPPED_STATUS:
            return
        booking = _date(e.get("BookgDt/Dt") or e.get("BookgDt/DtTm"), file, element, "BookgDt")
        value = _date(e.get("ValDt/Dt") or e.get("ValDt/DtTm"), file, element, "ValDt")
        if booking is None:
            booking = value
        if booking is None:
            raise StatementError(
                "expected a booking date (BookgDt) or a value date (ValDt)",
                file=file,
                element=element,
            )
        entry_ref = e.get("AcctSvcrRef") or None
        entry_code = _bank_code(e)
        details: list[dict[Any, Any]] = e.get(_DETAILS) or []
        if len(details) <= 1:
            out.append(
                self.transaction(
                    details[0] if details else None, amount, direction, reversal, booking,
                    value, entry_ref, entry_ref, entry_code, e.get("AddtlNtryInf") or None,
                )
            )  # fmt: skip
            return
        for index, tx in enumerate(details, start=1):
            where = f"{element}/NtryDtls/TxDtls[{index}]"
            if "Amt" in tx:
                detail_amount = _amount(tx, "Amt", file, where)
            elif "AmtDtls/TxAmt/Amt" in tx:
                detail_amount = _amount(tx, "AmtDtls/TxAmt/Amt", file, where)
            else:
                raise StatementError(
                    "expected the amount of a batch detail (Amt or AmtDtls/TxAmt/Amt)",
                    file=file,
                    element=where,
                )
            detail_direction = _indicator(tx, file, where) if "CdtDbtInd" in tx else direction
            detail_id = f"{entry_ref}-{index}" if entry_ref else None
            out.append(
                self.transaction(
                    tx, detail_amount, detail_direction, reversal, booking, value, detail_id,
                    entry_ref, entry_code, None,
                )
            )  # fmt: skip

    def transaction(
        self,
        tx: dict[Any, Any] | None,
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
        signed = amount if (-direction if reversal else direction) > 0 else _negate(amount)
        name = iban = bic = end_to_end = None
        reference: Reference | None = None
        text: str | None = None
        if tx is not None:
            # The counterparty is who sent the money in (debtor) or received it (creditor).
            keys = _DEBTOR if direction > 0 else _CREDITOR
            name = clean(tx.get(keys[0]) or tx.get(keys[1]))
            iban = compact_iban(tx.get(keys[2])) or tx.get(keys[3]) or None
            bic = tx.get(keys[4]) or tx.get(keys[5]) or None
            end_to_end = tx.get("Refs/EndToEndId") or None
            if end_to_end is not None and end_to_end.upper() in _NOT_PROVIDED:
                end_to_end = None
            if _USTRD in tx or _STRUCTURED in tx:
                reference, text = _remittance(tx)
            code = _bank_code(tx) or code
            if text is None:
                text = clean(tx.get("AddtlTxInf"))
            if entry_id is None:
                entry_id = tx.get("Refs/AcctSvcrRef") or None
            if bank_reference is None:
                bank_reference = tx.get("Refs/AcctSvcrRef") or None
        if text is None:
            text = clean(info)
            if reference is None:
                reference = first_reference(text)
        if entry_id is None:
            entry_id = self.ids.make(
                booking, self.account, booking, value, signed.amount, signed.currency,
                iban, name, reference, text, end_to_end, code,
            )  # fmt: skip
        return new_transaction(
            entry_id, self.account, booking, value, signed, name, iban, bic, reference, text,
            code, bank_reference, end_to_end, None,
        )  # fmt: skip


# --- reading the records of an entry ----------------------------------------------------------


def _amount(record: dict[Any, Any], key: str, file: str, element: str) -> Money:
    text = record.get(key)
    if text is None:
        raise StatementError("expected an amount element", file=file, element=f"{element}/{key}")
    currency = record.get(key + "@Ccy")
    if _AMOUNT_TEXT.fullmatch(text) and currency in _QUANTA:
        # The millions of well-formed amounts of a big file, as make_money's fast path reads
        # them (exact at the currency's exponent), without building the error path first.
        value = Decimal(text)
        exact = value.quantize(_QUANTA[currency])
        if exact == value:
            money = object.__new__(Money)
            object.__setattr__(money, "amount", exact)
            object.__setattr__(money, "currency", currency)
            return money
    where = f"{element}/{key}"
    value = parse_decimal(text, file=file, element=where)
    return make_money(value, currency, file=file, element=where)


def _negate(money: Money) -> Money:
    # exact already: the negation keeps the exponent make_money checked
    negated = object.__new__(Money)
    object.__setattr__(negated, "amount", -money.amount)
    object.__setattr__(negated, "currency", money.currency)
    return negated


def _indicator(record: dict[Any, Any], file: str, element: str) -> int:
    value = record.get("CdtDbtInd") or None
    if value == "CRDT":
        return 1
    if value == "DBIT":
        return -1
    raise StatementError(
        f"expected CRDT or DBIT, got {value!r}", file=file, element=f"{element}/CdtDbtInd"
    )


class _Dates(dict[str, dt.date]):
    """ISO dates by their text, each parsed once: a file of a million entries holds a few
    hundred distinct days. Bounded, whatever the file holds."""

    def __missing__(self, key: str) -> dt.date:
        if len(self) >= 4096:
            self.clear()
        value = self[key] = dt.date.fromisoformat(key)  # a ValueError is reported by _date
        return value


_DATES = _Dates()


def _date(raw: str | None, file: str, element: str, path: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return _DATES[raw[:10]]
    except ValueError:
        raise StatementError(
            f"expected an ISO date like 2026-01-31, got {raw!r}",
            file=file,
            element=f"{element}/{path}",
        ) from None


def _bank_code(record: dict[Any, Any]) -> str | None:
    """``Domn/Fmly/SubFmly`` (the parts present, joined by ``/``), else the proprietary code."""
    code: str | None = record.get("BkTxCd/Domn/Cd")
    if code:
        family = record.get("BkTxCd/Domn/Fmly/Cd")
        if family:
            code += "/" + family
        sub = record.get("BkTxCd/Domn/Fmly/SubFmlyCd")
        if sub:
            code += "/" + sub
        return code
    return record.get("BkTxCd/Prtry/Cd") or None


_DEBTOR, _CREDITOR = (
    tuple(
        path.format(role=role)
        for path in (
            "RltdPties/{role}/Nm", "RltdPties/{role}/Pty/Nm", "RltdPties/{role}Acct/Id/IBAN",
            "RltdPties/{role}Acct/Id/Othr/Id", "RltdAgts/{role}Agt/FinInstnId/BIC",
            "RltdAgts/{role}Agt/FinInstnId/BICFI",
        )
    )
    for role in ("Dbtr", "Cdtr")
)  # fmt: skip
"""The keys of a counterparty: name (two forms), IBAN, other account id, BIC (two forms)."""


_SCHEMES = {"BBA": "ogm", "ISO": "rf"}


def _remittance(tx: dict[Any, Any]) -> tuple[Reference | None, str | None]:
    unstructured = tx.get(_USTRD)
    texts = [text.strip() for text in unstructured if text] if unstructured else []
    reference: Reference | None = None
    for strd in tx.get(_STRUCTURED, ()):
        ref = strd.get("CdtrRefInf/Ref")
        if ref and reference is None:
            issuer = (strd.get("CdtrRefInf/Tp/Issr") or "").upper()
            reference = _check(ref, _SCHEMES.get(issuer))
            if reference is None:
                texts.append(ref)  # an unchecked reference is still useful text
        extra = strd.get("AddtlRmtInf")
        if extra:
            texts.append(extra)
    text = clean(" ".join(texts))
    if reference is None:
        reference = first_reference(text)
    return reference, text

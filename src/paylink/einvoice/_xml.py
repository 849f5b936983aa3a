"""XML helpers shared by the writers and readers: building without empty elements, formatting
amounts, and parsing received files without DTDs or entities."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import xml.parsers.expat
from decimal import Decimal, InvalidOperation
from typing import NoReturn

from ..exceptions import ValidationError
from ..money import Money

__all__ = ["PathReader", "amount", "child", "decimal", "parse", "sub"]


def decimal(value: Decimal) -> str:
    """A decimal as XML writes it: plain notation, no exponent, no trailing zeros."""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "") else text


def amount(value: Money) -> str:
    """An amount with its currency's decimals (``12.50``)."""
    return f"{value.amount:f}"


def sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    """Append ``tag`` to ``parent`` (with ``text`` if given) and return it."""
    element = ET.SubElement(parent, tag, {k: v for k, v in attrib.items() if v})
    if text is not None:
        element.text = text
    return element


def child(parent: ET.Element, tag: str, text: str | None, **attrib: str) -> ET.Element | None:
    """Like :func:`sub`, but write nothing when ``text`` is empty: Peppol refuses empty
    elements (PEPPOL-EN16931-R008)."""
    if text is None or not str(text).strip():
        return None
    return sub(parent, tag, str(text), **attrib)


def _refuse(message: str) -> NoReturn:
    raise ValidationError(message, field="xml")


def parse(data: bytes) -> ET.Element:
    """Parse a received XML document, refusing DTDs and entity declarations outright.

    A first pass with a bare expat parser fails on any ``<!DOCTYPE`` or ``<!ENTITY`` before
    anything is expanded (billion laughs, external entities: none can be declared), and on
    what is not well-formed, with its line and column; only then is the tree built.
    """
    scanner = xml.parsers.expat.ParserCreate()

    def doctype(name: str, *_: object) -> None:
        _refuse(f"the document declares a DOCTYPE ({name}); e-invoices have none, refused")

    def entity(name: str, *_: object) -> None:
        _refuse(f"the document declares an entity ({name}); refused")

    scanner.StartDoctypeDeclHandler = doctype
    scanner.EntityDeclHandler = entity
    scanner.ExternalEntityRefHandler = lambda *_: _refuse("external entity; refused")
    try:
        scanner.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        raise ValidationError(
            f"not well-formed XML at line {exc.lineno}, column {exc.offset + 1}: "
            f"{xml.parsers.expat.ErrorString(exc.code)}",
            field="xml",
        ) from None
    return ET.fromstring(data)  # noqa: S314 - no DTD, hence no entity, got past the scan


def tostring(root: ET.Element) -> bytes:
    """Serialize with an XML declaration, UTF-8."""
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


class PathReader:
    """What the UBL and CII readers share: values read at a path below a node, in the
    document's currency, naming ``where/path`` when a value is missing or malformed. A syntax
    says how a path finds an element (its namespaces) by overriding :meth:`find`."""

    def __init__(self, currency: str) -> None:
        self.currency = currency

    def find(self, node: ET.Element | None, path: str) -> ET.Element | None:
        raise NotImplementedError

    def text(self, node: ET.Element | None, path: str) -> str:
        found = self.find(node, path)
        return (found.text or "").strip() if found is not None else ""

    def money(
        self, node: ET.Element | None, path: str, where: str, *, required: bool = True
    ) -> Money:
        value = self.text(node, path)
        if not value:
            if required:
                raise ValidationError(f"missing {where}/{path}", field=f"{where}/{path}")
            return Money.zero(self.currency)
        try:
            return Money.of(value, self.currency)
        except (ValidationError, InvalidOperation):
            raise ValidationError(
                f"expected an amount at {where}/{path}, got {value!r}", field=f"{where}/{path}"
            ) from None

    def number(
        self, node: ET.Element | None, path: str, where: str, default: str | None = None
    ) -> Decimal:
        value = self.text(node, path) or default
        if value is None:
            raise ValidationError(f"missing {where}/{path}", field=f"{where}/{path}")
        try:
            return Decimal(value)
        except InvalidOperation:
            raise ValidationError(
                f"expected a number at {where}/{path}, got {value!r}", field=f"{where}/{path}"
            ) from None

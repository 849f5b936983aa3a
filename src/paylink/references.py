"""Structured payment references: Belgian OGM/VCS and ISO 11649 ``RF`` creditor references.

A structured reference travels with a bank transfer and lets the payee match the money to the
invoice without reading free text.

- **OGM/VCS** (Belgium, "gestructureerde mededeling / communication structurée"): 12 digits
  shown as ``+++123/4567/89002+++``; the last two digits are the first ten modulo 97 (97 when
  the remainder is 0).
- **RF** (ISO 11649): ``RF`` + two check digits + up to 21 letters or digits, printed in groups
  of four (``RF18 5390 0754 7034``), checked with ISO 7064 MOD 97-10.

python-stdnum computes and checks the check digits; this module makes references from invoice
numbers, normalises what people type, and finds references in noisy remittance text.

>>> ogm("2026-000123")
Reference(scheme='ogm', value='202600012320')
>>> str(ogm("2026-000123"))
'+++202/6000/12320+++'
>>> str(rf("2026-000123"))
'RF462026000123'
>>> print(*find("thanks! ref 202 6000 12320 for march"))
+++202/6000/12320+++
"""

from __future__ import annotations

import importlib
import re
from typing import Any, ClassVar, Literal

import attrs

from .exceptions import ValidationError


class _Stdnum:
    """python-stdnum's modules, each imported on first use: the package costs about 25 ms of
    start-up (it pulls in ``pydoc``), which a statement reader that meets no reference to
    check, or a notebook that only runs the engine, should not pay."""

    _MODULES: ClassVar[dict[str, str]] = {
        "iban": "stdnum.iban",
        "iso11649": "stdnum.iso11649",
        "ogm_vcs": "stdnum.be.ogm_vcs",
        "exceptions": "stdnum.exceptions",
        "mod_97_10": "stdnum.iso7064.mod_97_10",
    }

    def __getattr__(self, name: str) -> Any:
        if name not in self._MODULES:
            raise AttributeError(name)
        module = importlib.import_module(self._MODULES[name])
        setattr(self, name, module)  # later reads find it without this method
        return module


_std = _Stdnum()

__all__ = ["Reference", "Scheme", "check", "find", "ogm", "parse", "rf"]

Scheme = Literal["ogm", "rf"]


@attrs.frozen
class Reference:
    """A checked structured reference.

    ``value`` is the compact electronic form (12 digits for OGM, ``RF…`` without spaces), which
    is what bank files carry; ``str()`` gives the canonical printed form, and :attr:`display`
    the human form with groups.
    """

    scheme: Scheme
    value: str

    def __str__(self) -> str:
        if self.scheme == "ogm":
            return f"+++{_std.ogm_vcs.format(self.value)}+++"
        return self.value

    @property
    def display(self) -> str:
        """The form to print on a document: ``+++123/4567/89002+++`` or ``RF18 5390 0754 7034``."""
        if self.scheme == "ogm":
            return str(self)
        return str(_std.iso11649.format(self.value))

    @property
    def digits(self) -> str:
        """The OGM's 12 digits, or the RF reference's compact form."""
        return self.value


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def ogm(value: str | int) -> Reference:
    """Make a Belgian structured communication from an invoice number or any digits.

    The digits of ``value`` become the first ten digits (the last ten when there are more, left
    padded with zeros when fewer); the check digits are appended.
    """
    digits = _digits(str(value))
    if not digits:
        raise ValidationError(f"expected digits to make an OGM from, got {value!r}", field="value")
    base = digits[-10:].rjust(10, "0")
    return Reference("ogm", base + _std.ogm_vcs.calc_check_digits(base))


def rf(value: str | int) -> Reference:
    """Make an ISO 11649 creditor reference from an invoice number or any letters and digits."""
    body = "".join(ch for ch in str(value).upper() if ch.isascii() and ch.isalnum())
    if not body:
        raise ValidationError(
            f"expected letters or digits to make an RF reference from, got {value!r}",
            field="value",
        )
    if len(body) > 21:
        raise ValidationError(
            f"an RF reference holds at most 21 letters or digits, {value!r} has {len(body)}",
            field="value",
        )
    return Reference("rf", f"RF{_std.mod_97_10.calc_check_digits(body + 'RF')}{body}")


_OGM_FRAME = re.compile(r"^[+*]{0,3}\s*(.*?)\s*[+*]{0,3}$", re.S)


def _check_ogm(value: str) -> Reference:
    inner = _OGM_FRAME.match(value.strip())
    assert inner is not None  # the pattern matches any string
    body = inner.group(1)
    if not re.fullmatch(r"[\d\s/.\-]+", body):
        raise ValidationError(
            f"expected a structured communication like +++123/4567/89002+++, got {value!r}",
            field="reference",
        )
    digits = _digits(body)
    if len(digits) != 12:
        raise ValidationError(
            f"a structured communication has 12 digits, {value!r} has {len(digits)}",
            field="reference",
        )
    if not _ogm_valid(digits):
        raise ValidationError(
            f"the check digits of {value!r} are wrong "
            f"(expected {_std.ogm_vcs.calc_check_digits(digits)})",
            field="reference",
        )
    return Reference("ogm", digits)


def _check_rf(value: str) -> Reference:
    try:
        return Reference("rf", _std.iso11649.validate(value))
    except _std.exceptions.ValidationError as exc:
        raise ValidationError(
            f"expected an ISO 11649 reference like RF18 5390 0754 7034, got {value!r} "
            f"({str(exc).lower().rstrip('.')})",
            field="reference",
        ) from None


def check(value: str, scheme: Scheme | None = None) -> Reference:
    """Check and normalise a reference someone typed or a bank file carried.

    ``scheme`` defaults to whichever the value looks like (``RF…`` is ISO 11649, digits are
    OGM). Raises :class:`~paylink.exceptions.ValidationError` saying what is wrong.
    """
    if not isinstance(value, str):
        raise ValidationError(f"expected a string, got {type(value).__name__}", field="reference")
    if scheme is None:
        scheme = "rf" if value.strip().upper().startswith("RF") else "ogm"
    if scheme == "ogm":
        return _check_ogm(value)
    if scheme == "rf":
        return _check_rf(value)
    raise ValidationError(f"expected scheme 'ogm' or 'rf', got {scheme!r}", field="scheme")


def parse(value: str | None) -> Reference | None:
    """Return the reference ``value`` holds, or ``None`` when it holds no valid one."""
    if not value:
        return None
    try:
        return check(value)
    except ValidationError:
        return None


# OGM candidates: 12 digits with at most one separator between digits, not glued to other
# digits. The lookahead makes matches overlap, so a failed candidate does not hide a real one
# that starts a few digits later ("invoice 2026 090 9337 55493").
_OGM_CANDIDATE = re.compile(r"(?<!\d)(?=(\d(?:[ /.\-]?\d){11})(?!\d))")
# The printed OGM, also with spaces around its slashes ("+++ 123 / 4567 / 89012 +++").
_OGM_GROUPED = re.compile(r"(?<!\d)(\d{3}) */ *(\d{4}) */ *(\d{5})(?!\d)")
# A digit one separator away from a candidate that spans separators: it is a piece of a
# longer number (a phone number, two dates, an account), unless grouped 3/4/5 like an OGM.
_DIGIT_BEFORE = re.compile(r"\d[ /.\-]\Z")
_DIGIT_AFTER = re.compile(r"[ /.\-]\d")
_SEPARATORS = re.compile(r"[ /.\-]")
# Where an IBAN may start: two letters and two check digits, not inside a word.
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d\d(?= ?[A-Za-z0-9])")
_IBAN_HINT = re.compile(r"[A-Za-z]{2}\d\d")
# RF candidates: "RF" + check digits + letters/digits, compact or in groups of four.
_RF_CANDIDATE = re.compile(r"(?<![A-Za-z0-9])[Rr][Ff] ?(\d\d)((?: ?[A-Za-z0-9]+)+)")


_NO_SEPARATORS = str.maketrans("", "", " /.-")  # what may stand between an OGM's digits


def _ogm_valid(digits: str) -> bool:
    # ogm_vcs.is_valid() for the twelve digits a candidate always has, without its generic
    # clean-up: find() runs over every remittance text of a statement, most of them with
    # digit runs that are no reference, and check() over every reference read back from the
    # store (a test holds the two to the same answers)
    return (
        digits.isascii() and int(digits) > 0 and (int(digits[:10]) % 97 or 97) == int(digits[10:])
    )


def _in_iban(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` lies inside a valid IBAN, compact or in groups.

    A Belgian account number passes the same modulo-97 check as an OGM, so the twelve digits
    of a BE IBAN would otherwise be reported as a reference; a foreign IBAN holds long digit
    runs that pass it by chance. Called only for a candidate whose checksum holds, and it
    looks only at the few characters before it where such an IBAN would start.
    """
    size = len(text)
    for match in _IBAN_START.finditer(text, max(0, start - 40), start + 1):
        compact = match.group().upper()
        index = match.end()
        while index < size and len(compact) < 34:
            char = text[index]
            if char == " " and index + 1 < size and text[index + 1].isalnum():
                index += 1
                continue
            if not (char.isascii() and char.isalnum()):
                break
            compact += char.upper()
            index += 1
            if index >= end and len(compact) >= 12 and _std.iban.is_valid(compact):
                return True
    return False


def _rf_candidates(check_digits: str, tail: str) -> list[str]:
    tokens = tail.split()
    # A printed RF is grouped by four: continue over tokens only while the previous one is a
    # full group of four, so words after the reference are not swallowed.
    run = [tokens[0]]
    for token in tokens[1:]:
        if len(run[-1]) != 4 or len(token) > 4:
            break
        run.append(token)
    bodies = ["".join(run[:n]) for n in range(len(run), 0, -1)]
    return [f"RF{check_digits}{body}".upper() for body in bodies if 1 <= len(body) <= 21]


def find(text: str) -> list[Reference]:
    """Find the valid structured references in free text, in order of appearance.

    Tolerates spaces, slashes, dots and dashes inside an OGM (also spaces around its slashes:
    ``+++ 123 / 4567 / 89012 +++``), missing or odd ``+++``/``***`` framing, twelve digits
    without any, lower case and groups in RF references, and words around them. Only
    references whose check digits are right are returned, so a random run of digits is not
    mistaken for one; twelve digits that are part of an IBAN (Belgian account numbers pass
    the OGM's check) or of a longer number (a phone number, dates side by side) are not a
    reference unless grouped 3/4/5 like one. Each reference is returned once.
    """
    found: list[tuple[int, Reference]] = []
    taken: list[tuple[int, int]] = []
    if "/" in text and (" /" in text or "/ " in text):  # else the scan below finds them
        for match in _OGM_GROUPED.finditer(text):
            digits = "".join(match.groups())
            start, end = match.span()
            if _ogm_valid(digits) and not _in_iban(text, start, end):
                found.append((start, Reference("ogm", digits)))
                taken.append((start, end))
    for match in _OGM_CANDIDATE.finditer(text):
        candidate = match.group(1)
        start, end = match.start(1), match.start(1) + len(candidate)
        if any(s < end and start < e for s, e in taken):
            continue
        digits = candidate.translate(_NO_SEPARATORS)
        if not _ogm_valid(digits):
            continue
        if start and text[start - 1] in "+*":  # framed: neither an IBAN nor a longer number
            found.append((start, Reference("ogm", digits)))
            taken.append((start, end))
            continue
        if (
            len(candidate) > 12
            and (
                _DIGIT_BEFORE.search(text, max(0, start - 2), start)
                or _DIGIT_AFTER.match(text, end)
            )
            and [len(part) for part in _SEPARATORS.split(candidate)] != [3, 4, 5]
        ):
            continue  # pieces of a longer number: a phone number, dates side by side
        if _IBAN_HINT.search(text, max(0, start - 40), start) and _in_iban(text, start, end):
            continue  # the account number inside an IBAN
        found.append((start, Reference("ogm", digits)))
        taken.append((start, end))
    if "F" in text or "f" in text:  # no "RF" without an F: skip the second scan
        for match in _RF_CANDIDATE.finditer(text):
            for candidate in _rf_candidates(match.group(1), match.group(2)):
                if _std.iso11649.is_valid(candidate):
                    found.append((match.start(), Reference("rf", candidate)))
                    break
    if len(found) < 2:  # most texts: one reference or none
        return [ref for _, ref in found]
    found.sort(key=lambda item: item[0])
    seen: set[Reference] = set()
    result = []
    for _, ref in found:
        if ref not in seen:
            seen.add(ref)
            result.append(ref)
    return result

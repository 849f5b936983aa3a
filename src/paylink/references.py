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

import re
from typing import Literal

import attrs
from stdnum import iso11649
from stdnum.be import ogm_vcs
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.iso7064 import mod_97_10

from .exceptions import ValidationError

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
            return f"+++{ogm_vcs.format(self.value)}+++"
        return self.value

    @property
    def display(self) -> str:
        """The form to print on a document: ``+++123/4567/89002+++`` or ``RF18 5390 0754 7034``."""
        if self.scheme == "ogm":
            return str(self)
        return iso11649.format(self.value)

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
    return Reference("ogm", base + ogm_vcs.calc_check_digits(base))


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
    return Reference("rf", f"RF{mod_97_10.calc_check_digits(body + 'RF')}{body}")


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
    try:
        ogm_vcs.validate(digits)
    except StdnumValidationError:
        raise ValidationError(
            f"the check digits of {value!r} are wrong "
            f"(expected {ogm_vcs.calc_check_digits(digits)})",
            field="reference",
        ) from None
    return Reference("ogm", digits)


def _check_rf(value: str) -> Reference:
    try:
        return Reference("rf", iso11649.validate(value))
    except StdnumValidationError as exc:
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
# RF candidates: "RF" + check digits + letters/digits, compact or in groups of four.
_RF_CANDIDATE = re.compile(r"(?<![A-Za-z0-9])[Rr][Ff] ?(\d\d)((?: ?[A-Za-z0-9]+)+)")


_NO_SEPARATORS = str.maketrans("", "", " /.-")  # what may stand between an OGM's digits


def _ogm_valid(digits: str) -> bool:
    # ogm_vcs.is_valid() for the twelve digits a candidate always has, without its generic
    # clean-up: find() runs over every remittance text of a statement, most of them with
    # digit runs that are no reference (a test holds the two to the same answers)
    return (
        digits.isascii() and int(digits) > 0 and (int(digits[:10]) % 97 or 97) == int(digits[10:])
    )


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

    Tolerates spaces, slashes, dots and dashes inside an OGM, missing or odd ``+++``/``***``
    framing, lower case and groups in RF references, and words around them. Only references
    whose check digits are right are returned, so a random run of digits is not mistaken for
    one; each reference is returned once.
    """
    found: list[tuple[int, Reference]] = []
    taken: list[tuple[int, int]] = []
    for match in _OGM_CANDIDATE.finditer(text):
        candidate = match.group(1)
        start, end = match.start(1), match.start(1) + len(candidate)
        if any(s < end and start < e for s, e in taken):
            continue
        digits = candidate.translate(_NO_SEPARATORS)
        if _ogm_valid(digits):
            found.append((start, Reference("ogm", digits)))
            taken.append((start, end))
    if "F" in text or "f" in text:  # no "RF" without an F: skip the second scan
        for match in _RF_CANDIDATE.finditer(text):
            for candidate in _rf_candidates(match.group(1), match.group(2)):
                if iso11649.is_valid(candidate):
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

"""The plugin template: a package skeleton for a new provider, channel, feed or network.

The files are :class:`string.Template` texts shipped with paylink (``plugin_templates/``): one
set per kind, plus the ``pyproject.toml`` and README every kind shares. What is written passes
its conformance kit as it is, and imports only paylink's public modules.
"""

from __future__ import annotations

import importlib.metadata
import keyword
import re
import string
from importlib.resources import files
from pathlib import Path

import attrs

from ..exceptions import ConflictError, ValidationError

__all__ = ["KINDS", "RESERVED", "Kind", "check_name", "write_plugin"]


@attrs.frozen
class Kind:
    """What the template of one kind of plugin says about it."""

    words: str
    plural: str
    kit: str
    hook: str
    doc_page: str


KINDS: dict[str, Kind] = {
    "provider": Kind(
        "payment provider",
        "payment providers",
        "ProviderConformance",
        "paylink_register_payment_providers",
        "providers",
    ),
    "channel": Kind(
        "message channel",
        "message channels",
        "ChannelConformance",
        "paylink_register_channels",
        "channels",
    ),
    "feed": Kind(
        "bank feed", "bank feeds", "FeedConformance", "paylink_register_bank_feeds", "feeds"
    ),
    "network": Kind(
        "e-invoice network",
        "e-invoice networks",
        "NetworkConformance",
        "paylink_register_einvoice_networks",
        "networks",
    ),
}
"""The kinds of plugin the template makes, by the word ``paylink plugin new`` takes."""

RESERVED = frozenset(
    {
        "bank_transfer",
        "billit",
        "coda_drop",
        "einvoice_be",
        "fake",
        "fake_peppol",
        "mollie",
        "outbox",
        "payconiq",
        "ponto",
        "smtp",
        "stripe",
        "twilio",
    }
)
"""Names paylink's own plugins (and fakes) take: a second plugin of that name would clash."""

_NAME = re.compile(r"[a-z][a-z0-9_]{1,39}")

_FILES = (
    ("common", "pyproject.toml.tmpl", "pyproject.toml"),
    ("common", "README.md.tmpl", "README.md"),
    ("{kind}", "__init__.py.tmpl", "src/{module}/__init__.py"),
    ("{kind}", "test_conformance.py.tmpl", "tests/test_conformance.py"),
    ("{kind}", "test_http.py.tmpl", "tests/test_http.py"),
)


def check_name(name: str) -> str:
    """``name`` when it can name a plugin: its entry point, module suffix and ``name``.

    A plugin's name is a lower-case Python identifier of 2 to 40 characters (letters, digits,
    underscores; starting with a letter), not a Python keyword, not starting with
    ``paylink`` and not one of paylink's own plugins. Raises
    :class:`~paylink.exceptions.ValidationError` saying which rule it breaks.
    """
    if not _NAME.fullmatch(name) or name.endswith("_") or "__" in name:
        raise ValidationError(
            f"expected a lower-case identifier of 2 to 40 letters, digits and single "
            f"underscores, starting with a letter (like 'sumup' or 'go_cardless'), got {name!r}",
            field="name",
        )
    if keyword.iskeyword(name) or name.startswith("paylink"):
        raise ValidationError(f"{name!r} cannot name a plugin module", field="name")
    if name in RESERVED:
        raise ValidationError(
            f"{name!r} is the name of one of paylink's own plugins: choose another", field="name"
        )
    return name


def _class_name(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def write_plugin(kind: str, name: str, directory: Path, *, label: str | None = None) -> Path:
    """Write the package skeleton of a ``kind`` plugin called ``name`` into ``directory``.

    The package goes into ``directory / "paylink-<name>"`` (a new folder: an existing one is
    never overwritten, :class:`~paylink.exceptions.ConflictError`); ``label`` is what people
    read (default: the name's words, capitalised). Returns the package's folder.
    """
    if kind not in KINDS:
        raise ValidationError(f"expected one of {', '.join(KINDS)}, got {kind!r}", field="kind")
    check_name(name)
    info = KINDS[kind]
    dist = f"paylink-{name.replace('_', '-')}"
    target = directory / dist
    if target.exists():
        raise ConflictError(f"{target} already exists: choose another --dir or remove it")
    module = f"paylink_{name}"
    values = {
        "name": name,
        "module": module,
        "dist": dist,
        "cls": _class_name(name),
        "label": label or " ".join(part.capitalize() for part in name.split("_")),
        "kind": kind,
        "kind_words": info.words,
        "kind_plural": info.plural,
        "kit": info.kit,
        "hook": info.hook,
        "doc_page": info.doc_page,
        "paylink_version": importlib.metadata.version("paylink-invoices"),
    }
    templates = files("paylink.cli").joinpath("plugin_templates")
    rendered = []
    for folder, source, destination in _FILES:
        text = templates.joinpath(folder.format(kind=kind), source).read_text(encoding="utf-8")
        rendered.append(
            (destination.format(module=module), string.Template(text).substitute(values))
        )
    target.mkdir(parents=True)
    for destination, text in rendered:
        path = target / destination
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (target / "src" / module / "py.typed").write_text("", encoding="utf-8")
    return target

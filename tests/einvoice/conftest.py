"""The official validators, loaded once per test session, and the parties the tests invoice.

The artefacts (EN 16931 and Peppol rules as XSLT, UBL XSDs, official examples) live outside
the repository, at ``<repo root>/../shared/einvoice`` or ``$PAYLINK_EINVOICE_ARTEFACTS``.
Without them these tests skip, unless ``PAYLINK_REQUIRE_EINVOICE_ARTEFACTS=1`` (the nox
``tests`` session, so CI), where their absence fails.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from paylink.parties import Address, Customer, Organization

REPO = Path(__file__).resolve().parents[2]


def artefacts_dir() -> Path:
    """Where the official artefacts are expected."""
    given = os.environ.get("PAYLINK_EINVOICE_ARTEFACTS")
    return Path(given) if given else REPO.parent / "shared" / "einvoice"


def _missing(reason: str) -> None:
    if os.environ.get("PAYLINK_REQUIRE_EINVOICE_ARTEFACTS") == "1":
        pytest.fail(f"e-invoice validation artefacts are required: {reason}")
    pytest.skip(f"e-invoice validation artefacts not available: {reason}")


@pytest.fixture(scope="session")
def artefacts() -> Path:
    """The artefacts folder (skips or fails when absent, see the module docstring)."""
    folder = artefacts_dir()
    if not (folder / "validate.py").is_file():
        _missing(f"no validate.py under {folder} (set PAYLINK_EINVOICE_ARTEFACTS)")
    return folder


@pytest.fixture(scope="session")
def validator(artefacts: Path) -> Any:
    """validate.py's Validator with every layer, loaded once for the session."""
    for module in ("saxonche", "xmlschema", "pypdf"):
        if importlib.util.find_spec(module) is None:
            _missing(f"{module} is not installed (it is in the dev extra)")
    spec = importlib.util.spec_from_file_location(
        "paylink_einvoice_validate", artefacts / "validate.py"
    )
    assert spec is not None and spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Validator(["xsd", "en16931", "peppol"])


Validate = Callable[[bytes, str], dict[str, Any]]


@pytest.fixture(scope="session")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder every exported file of the session is written to (kept for inspection)."""
    return tmp_path_factory.mktemp("exported")


@pytest.fixture
def assert_valid(validator: Any, exported: Path) -> Validate:
    """Write ``data`` under ``name`` and assert the official rules find nothing fatal."""

    def check(data: bytes, name: str) -> dict[str, Any]:
        path = exported / name
        path.write_bytes(data)
        result: dict[str, Any] = validator.validate(str(path))
        fatal = [f for f in result["findings"] if f["flag"] == "fatal"]
        assert result["valid"] and not fatal, "\n".join(
            f"{f['layer']} {f['id']} {f['location']} :: {f['text']}" for f in fatal
        )
        return result

    return check


@pytest.fixture(scope="session")
def seller() -> Organization:
    return Organization.create(
        id="org_1",
        name="Garage Dupont SRL",
        country="BE",
        iban="BE71 0961 2345 6769",
        bic="GKCCBEBB",
        vat_id="BE0403170701",
        email="billing@garage.example",
        address=Address(
            street="Rue de la Loi 16", postal_code="1000", city="Bruxelles", country="BE"
        ),
    )


def make_customer(seller: Organization, **fields: Any) -> Customer:
    fields.setdefault("id", "cus_1")
    fields.setdefault("name", "Transports Janssens NV")
    fields.setdefault(
        "address", Address(street="Meir 1", postal_code="2000", city="Antwerpen", country="BE")
    )
    return Customer.create(organization=seller, **fields)


@pytest.fixture(scope="session")
def buyer(seller: Organization) -> Customer:
    return make_customer(seller, vat_id="BE0202239951", email="ap@janssens.example")

"""A broken plugin is named and contained: it never takes the others, nor the pay page, down."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from click.testing import CliRunner

from paylink import Paylink, hookimpl
from paylink.cli import main
from paylink.clock import FixedClock
from paylink.plugins import Plugins, get_plugin_manager
from paylink.ports import Checkout, PaymentRequest
from paylink.testing import FakeBackend, FakeProvider, fake_provider_plugin
from paylink.web import create_app

from ..conftest import lines
from ..web.conftest import START


def install(site: Path, dist: str, entry_points: dict[str, str], modules: dict[str, str]) -> None:
    """Install a distribution the way pip leaves it: a dist-info with its entry points."""
    info = site / f"{dist}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    body = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[paylink]\n{body}")
    for module, source in modules.items():
        (site / f"{module}.py").write_text(textwrap.dedent(source))


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "site"
    path.mkdir()
    monkeypatch.syspath_prepend(str(path))
    return path


def test_an_entry_point_that_does_not_import_is_named_and_left_out(site: Path) -> None:
    install(site, "paylink-sumup", {"sumup": "paylink_sumup_not_installed"}, {})
    install(
        site,
        "paylink-typo",
        {"typo": "paylink_typo"},
        {
            "paylink_typo": """
                from paylink import hookimpl

                @hookimpl
                def paylink_invoice_isued(invoice):
                    pass
            """
        },
    )
    plugins = Plugins(get_plugin_manager())
    broken = {b.name: b for b in plugins.broken()}
    assert broken["sumup"].distribution == "paylink-sumup"
    assert broken["sumup"].reason.startswith("ModuleNotFoundError")
    assert "paylink_sumup_not_installed" in broken["sumup"].reason
    assert "paylink_invoice_isued" in broken["typo"].reason
    assert {"bank_transfer", "stripe", "mollie", "payconiq"} <= set(plugins.payment_providers)
    assert "typo" not in {p.name for p in plugins.describe()}


def test_a_registration_hook_that_raises_is_named_and_left_out() -> None:
    class Raising:
        @hookimpl
        def paylink_register_payment_providers(self, register: Any) -> None:
            register(FakeProvider)
            raise RuntimeError("the SDK is not configured")

    pm = get_plugin_manager(plugins=[Raising()])
    pm.register(Raising(), name="raising")
    plugins = Plugins(pm)
    assert "fake" not in plugins.payment_providers
    assert "stripe" in plugins.payment_providers
    reasons = [b.reason for b in plugins.broken()]
    assert "RuntimeError: the SDK is not configured" in reasons


def test_paylink_plugins_lists_the_broken_one_and_succeeds(site: Path) -> None:
    install(
        site,
        "paylink-vonage",
        {"vonage": "paylink_vonage"},
        {"paylink_vonage": "import vonage_sdk_missing\n"},
    )
    result = CliRunner().invoke(main, ["plugins"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("broken:"))
    assert re.fullmatch(
        r"broken: vonage \(paylink-vonage 1\.0\): ModuleNotFoundError: .*vonage_sdk_missing.*", line
    )
    assert "Traceback" not in result.output
    data = json.loads(CliRunner().invoke(main, ["plugins", "--json"]).output)
    assert data["broken"] == [
        {
            "name": "vonage",
            "distribution": "paylink-vonage",
            "version": "1.0",
            "reason": data["broken"][0]["reason"],
        }
    ]
    assert "vonage_sdk_missing" in data["broken"][0]["reason"]
    assert "stripe" in data["payment_providers"]


class ExplodingProvider(FakeProvider):
    """A provider whose checkout has a bug: it raises a bare exception."""

    name: ClassVar[str] = "exploding"
    label: ClassVar[str] = "Exploding Pay"

    def start_payment(self, request: PaymentRequest) -> Checkout:
        raise KeyError("amount_cents")


class ExplodingPlugin:
    @hookimpl
    def paylink_register_payment_providers(self, register: Any) -> None:
        register(ExplodingProvider)


def test_a_provider_raising_in_checkout_fails_alone(tmp_path: Path) -> None:
    import threading
    import time

    import uvicorn

    from ..web.conftest import _free_port

    FakeBackend.reset()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    pl = Paylink.open(
        f"sqlite:///{tmp_path / 'web.db'}",
        clock=FixedClock(START),
        base_url=base,
        plugins=get_plugin_manager(plugins=[fake_provider_plugin, ExplodingPlugin()]),
    )
    org = pl.organizations.create(
        name="Garage Dupont SRL", country="BE", iban="BE71 0961 2345 6769"
    )
    customer = pl.customers.create(org, name="Marie Peeters", email="marie@example.be")
    pl.providers.connect(org, "exploding", api_key="k_exploding_1234")
    pl.providers.connect(org, "fake", api_key="k_fake_1234")
    link = pl.links.create(pl.invoices.issue(org, customer, lines=lines()))
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(pl, secret="s"),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        with httpx.Client(base_url=base) as client:
            page = client.get(f"/pay/{link.token}")
            assert page.status_code == 200
            assert "Exploding Pay" in page.text or "/checkout/exploding" in page.text
            assert "/checkout/fake" in page.text
            tokens = dict(
                re.findall(
                    r'action="[^"]*/checkout/(\w+)"[^>]*>\s*<input[^>]*value="([^"]+)"', page.text
                )
            )
            broken = client.post(
                f"/pay/{link.token}/checkout/exploding", data={"csrf": tokens["exploding"]}
            )
            assert broken.status_code == 503  # the payer's failure page, with a way back
            assert "pas disponible" in broken.text
            assert f"/pay/{link.token}" in broken.text
            working = client.post(f"/pay/{link.token}/checkout/fake", data={"csrf": tokens["fake"]})
            assert working.status_code == 303
            assert working.headers["location"].startswith("https://fake-provider.invalid/checkout/")
    finally:
        server.should_exit = True
        thread.join(5)
        pl.close()

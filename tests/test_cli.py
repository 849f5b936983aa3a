from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from paylink import Paylink
from paylink.cli import main


@pytest.fixture
def run() -> CliRunner:
    return CliRunner()


def test_reference_ogm(run: CliRunner) -> None:
    result = run.invoke(main, ["reference", "ogm", "2026-000123"])
    assert result.exit_code == 0
    assert result.output == "+++202/6000/12320+++\n"


def test_reference_rf(run: CliRunner) -> None:
    result = run.invoke(main, ["reference", "rf", "2026-000123", "--json"])
    assert json.loads(result.output) == {
        "scheme": "rf",
        "reference": "RF462026000123",
        "display": "RF46 2026 0001 23",
    }


def test_reference_find_json(run: CliRunner) -> None:
    result = run.invoke(
        main, ["reference", "find", "paid 202 6000 12320 and RF46 2026 0001 23!", "--json"]
    )
    assert result.exit_code == 0
    assert json.loads(result.output) == [
        {"scheme": "ogm", "reference": "+++202/6000/12320+++"},
        {"scheme": "rf", "reference": "RF462026000123"},
    ]


def test_reference_check_fails_clearly(run: CliRunner) -> None:
    result = run.invoke(main, ["reference", "check", "+++202/6000/12321+++"])
    assert result.exit_code == 1
    assert "check digits" in result.output


def test_plugins_json(run: CliRunner) -> None:
    result = run.invoke(main, ["plugins", "--json"])
    data = json.loads(result.output)
    assert "bank_transfer" in data["payment_providers"]
    names = {p["name"]: p for p in data["plugins"]}
    assert names["bank_transfer"]["distribution"] == "paylink-invoices"
    assert names["bank_transfer"]["version"]


def test_qr_epc_png_and_svg(run: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "pay.png"
    result = run.invoke(
        main,
        [
            "qr",
            "epc",
            "--name",
            "Garage Dupont",
            "--iban",
            "BE71 0961 2345 6769",
            "--amount",
            "108.90",
            "--reference",
            "+++202/6000/00192+++",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = tmp_path / "pay.svg"
    assert (
        run.invoke(
            main, ["qr", "epc", "--name", "G", "--iban", "BE71096123456769", "--out", str(svg)]
        ).exit_code
        == 0
    )
    assert svg.read_text().startswith("<?xml")
    bad = run.invoke(main, ["qr", "epc", "--name", "G", "--iban", "BE00", "--out", str(svg)])
    assert bad.exit_code == 1
    assert "iban" in bad.output


def test_demo_tells_the_story(run: CliRunner, tmp_path: Path) -> None:
    result = run.invoke(main, ["demo", "--dir", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "quote Q2026-00001" in out
    assert "-> invoice 2026-000001" in out
    assert "+++202/6000/00192+++" in out
    assert "ValidationError: unit_price: floats are not exact" in out
    assert "StateError" in out
    # Three late invoices of 484.00: one paid with its fees, two owing theirs (1067.69); and
    # the Peppol story's three invoices, 217.80 + 114.95 + 290.40.
    assert "Open receivables: 1690.84 EUR" in out
    assert "    2026-04-05 'formal': 44.71 EUR, interest 4.71 EUR" in out
    assert "pay page and bank transfer ask for 538.71 EUR" in out
    assert "partially_paid, 54.71 EUR of fees still open" in out
    assert "paid the fees: paid" in out
    assert "2026-000004: step 1 'friendly' via email" in out
    assert "2026-000001  partially_paid  paid   100.00 EUR  open   154.90 EUR" in out
    assert "applied  20260309-0000101  -> 2026-000001  [exact_reference]" in out
    assert "the credit pays 2026-000011 (48.40 EUR): paid, credit left 1.60 EUR" in out
    assert "1.60 EUR paid back: credit 0.00 EUR" in out
    assert (
        "takes back 2026-000011, already paid: 48.40 EUR paid back by transfer, credit 0.00" in out
    )
    assert list((tmp_path / "demo" / "outbox").glob("*.eml"))
    assert (tmp_path / "demo" / "paylink.db").exists()
    assert "/pay/" in out and "/portal/" in out and "/quote/" in out
    # the desk: a user to sign in with, a new random password printed on each run
    assert "/desk/login" in out and "e-mail:   owner@garage-dupont.example" in out
    password = re.search(r"password: (\S+)", out)
    assert password is not None
    with Paylink.open(f"sqlite:///{tmp_path / 'demo' / 'paylink.db'}") as pl:
        signed_in = pl.desk.login("owner@garage-dupont.example", password.group(1))
        assert signed_in.outcome == "ok"
    again = run.invoke(main, ["demo", "--dir", str(tmp_path / "demo")])
    assert again.exit_code == 0
    tokens = re.compile(
        r"/(pay|quote|portal)/[A-Za-z0-9_-]{32}|\b[a-z]{3}_[0-9a-f]{24}\b|password: \S+"
    )
    # Same story each run (rows listed in id order may come in another order).
    assert sorted(tokens.sub("ID", again.output).splitlines()) == sorted(
        tokens.sub("ID", out).splitlines()
    )


def test_the_demo_needs_no_test_tools(tmp_path: Path) -> None:
    """`nox -s demo` installs paylink alone: the demo must not import pytest or test helpers."""
    import subprocess
    import sys

    script = (
        "import sys; sys.modules['pytest'] = None; sys.modules['pytest_httpx'] = None\n"
        "from paylink.cli import main\n"
        f"main(['demo', '--dir', {str(tmp_path / 'demo')!r}])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Open receivables" in done.stdout


def test_every_command_prints_json_and_opens_the_store_one_way() -> None:
    """One JSON printer (`cli/_output.py`) and one way to open the database (`cli/_store.py`):
    no other command module calls `json.dumps` or `Paylink.open`."""
    import ast

    import paylink.cli

    package = Path(paylink.cli.__file__).parent
    offenders = []
    for path in sorted(package.glob("*.py")):
        if path.name in ("_output.py", "_store.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and (
                (node.attr == "dumps" and getattr(node.value, "id", "") == "json")
                or (node.attr == "open" and getattr(node.value, "id", "") == "Paylink")
            ):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []
    assert len(list(package.glob("*.py"))) >= 14  # one module per command group

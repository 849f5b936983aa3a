from __future__ import annotations

import paylink


def test_all_is_sorted_and_exact() -> None:
    # dir(), not vars(): the everyday names are imported on first use (PEP 562).
    public = {name for name in dir(paylink) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(paylink, name)).__name__ == "module"}
    assert paylink.__all__ == sorted(paylink.__all__)
    assert set(paylink.__all__) - {"__version__"} == public - modules


def test_the_errors_are_exported_with_the_tree() -> None:
    import paylink.exceptions

    for name in paylink.exceptions.__all__:
        if name[0].isupper():
            assert name in (paylink.exceptions.__doc__ or ""), f"{name} is not in the drawn tree"
    assert paylink.ConfigurationError is paylink.exceptions.ConfigurationError


def test_the_cli_commands_are_exactly_the_documented_ones() -> None:
    from pathlib import Path

    from paylink.cli import main

    commands = set(main.commands)  # type: ignore[attr-defined]
    assert commands == {
        "demo", "desk", "dispatch", "document", "einvoice", "feed", "init", "outbox", "payfile",
        "payouts", "plugin", "plugins", "qr", "rates", "reconcile", "reference", "remind",
        "report", "serve", "statement",
    }  # fmt: skip
    page = (Path(__file__).parents[1] / "docs" / "cli.md").read_text()
    for name in commands:
        assert f"`paylink {name}" in page, f"paylink {name} is not in docs/cli.md"

from __future__ import annotations

import paylink


def test_all_is_sorted_and_exact() -> None:
    # dir(), not vars(): the everyday names are imported on first use (PEP 562).
    public = {name for name in dir(paylink) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(paylink, name)).__name__ == "module"}
    assert paylink.__all__ == sorted(paylink.__all__)
    assert set(paylink.__all__) - {"__version__"} == public - modules

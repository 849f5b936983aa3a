"""A walk through pages in Chromium: at each size and language, every page is checked by
axe-core (no serious or critical violation) and for layout (no button off-screen or covered,
no sideways scrolling).

Reusable for any family of pages: describe each page as a :class:`Visit` (a URL, and
optionally a button to press to reach a page behind a form), then::

    problems = walk(browser, visits, axe=axe_js)
    assert not problems, "\\n".join(problems)

``axe_js`` is the session fixture :func:`axe_js` (defined in ``tests/web/conftest.py``), which
installs axe-core from npm once into a cache (``$PAYLINK_AXE_DIR``, default
``$PAYLINK_CORPUS_DIR/axe-core-VERSION`` or ``~/.cache/paylink-test-corpus/axe-core-VERSION``).
Without npm or the registry the walk is skipped, unless ``PAYLINK_REQUIRE_BROWSER=1`` makes
that a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import attrs
import pytest

__all__ = [
    "AXE_VERSION",
    "DESKTOP",
    "LANGUAGES",
    "LAYOUT_CHECK",
    "PHONE",
    "Visit",
    "axe_problems",
    "install_axe",
    "walk",
]

AXE_VERSION = "4.11.0"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
LANGUAGES = ("fr", "nl", "en", "de")
PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"
)

# For each visible button or link: inside the viewport's width, and the element at its centre
# is itself (or inside it), so nothing covers it and a tap lands on it.
LAYOUT_CHECK = """
() => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  for (const el of document.querySelectorAll('button, a.button, [data-testid="pay-one"]')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.left < 0 || box.right > width + 0.5) {
      problems.push(`off-screen: ${el.textContent.trim()} ${box.left}-${box.right}/${width}`);
      continue;
    }
    el.scrollIntoView({block: 'center'});
    const b = el.getBoundingClientRect();
    const hit = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
    if (!hit || !(hit === el || el.contains(hit))) {
      const by = hit ? hit.outerHTML.slice(0, 80) : 'nothing';
      problems.push(`covered: ${el.textContent.trim()} by ${by}`);
    }
  }
  if (document.documentElement.scrollWidth > width + 1) problems.push('the page scrolls sideways');
  return problems;
}
"""

_RUN_AXE = """
async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(' '),
                                          summary: n.failureSummary}))}));
}
"""


@attrs.frozen
class Visit:
    """One page of a walk: its ``name`` (in reports), its ``url``, and optionally a button to
    press once it is loaded (``press``, a CSS selector), to reach a page behind a form; the
    HTTP ``status`` expected of the page the walk checks (not checked for ``file:`` URLs);
    optionally ``expect``, a CSS selector that must match on that page (e.g. a notice that only
    shows after the press)."""

    name: str
    url: str
    press: str | None = None
    status: int = 200
    expect: str | None = None


def _unavailable(reason: str) -> None:
    if os.environ.get("PAYLINK_REQUIRE_BROWSER") == "1":
        pytest.fail(f"axe-core is required (PAYLINK_REQUIRE_BROWSER=1): {reason}")
    pytest.skip(f"axe-core unavailable: {reason}")


def _cache_dir() -> Path:
    configured = os.environ.get("PAYLINK_AXE_DIR")
    if configured:
        return Path(configured)
    corpus = os.environ.get("PAYLINK_CORPUS_DIR")
    root = Path(corpus) if corpus else Path.home() / ".cache" / "paylink-test-corpus"
    return root / f"axe-core-{AXE_VERSION}"


def install_axe() -> Path:
    """``axe.min.js`` of axe-core :data:`AXE_VERSION`, installed from npm once into the cache."""
    target = _cache_dir()
    script = target / "node_modules" / "axe-core" / "axe.min.js"
    if (target / ".complete").exists() and script.exists():
        return script
    npm = shutil.which("npm")
    if npm is None:
        _unavailable("npm is not installed (apt-get install npm)")
        raise AssertionError  # unreachable: _unavailable skips or fails
    target.mkdir(parents=True, exist_ok=True)
    command = [
        npm, "install", "--prefix", str(target), "--no-audit", "--no-fund", "--no-save",
        "--silent", f"axe-core@{AXE_VERSION}",
    ]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        _unavailable(f"npm install axe-core@{AXE_VERSION}: {exc}")
        raise AssertionError from exc
    if done.returncode != 0 or not script.exists():
        _unavailable(f"npm install axe-core@{AXE_VERSION} failed: {done.stderr.strip()[-300:]}")
    (target / ".complete").write_text(AXE_VERSION)
    return script


def axe_problems(page: Any, axe_js: Path) -> list[str]:
    """The serious and critical axe-core violations of the page loaded in ``page``, each with
    its rule id, help URL and the elements concerned."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_js))
    problems = []
    for v in page.evaluate(_RUN_AXE):
        nodes = "; ".join(f"{n['target']} ({(n['summary'] or '').strip()})" for n in v["nodes"])
        problems.append(f"axe {v['id']} [{v['impact']}] {v['help']} <{v['helpUrl']}>: {nodes}")
    return problems


def _with_lang(url: str, lang: str) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, f"lang={lang}") if q)
    return urlunsplit(parts._replace(query=query))


def walk(
    browser: Any,
    visits: Iterable[Visit],
    *,
    axe: Path,
    sizes: Sequence[dict[str, int]] = (PHONE, DESKTOP),
    languages: Sequence[str] = LANGUAGES,
    context_options: dict[str, Any] | None = None,
    prepare: Callable[[Any, str], None] | None = None,
) -> list[str]:
    """Load each visit at each size in each language (``?lang=`` and the browser's locale);
    return every problem found, each prefixed by where (page, language, size).

    ``prepare(page, lang)``, when given, runs once in each fresh browser context before the
    visits, e.g. to sign in through a form so that the visits carry the session cookie.

    The browser context bypasses the pages' Content-Security-Policy, only so that axe-core can
    be injected; the pages' own scripts run as they would anyway.
    """
    visits = list(visits)
    problems: list[str] = []
    for size in sizes:
        phone = size is PHONE or size["width"] < 600
        for lang in languages:
            context = browser.new_context(
                viewport=size,
                is_mobile=phone,
                has_touch=phone,
                locale=lang,
                bypass_csp=True,
                **({"user_agent": PHONE_UA} if phone else {}),
                **(context_options or {}),
            )
            page = context.new_page()
            try:
                if prepare is not None:
                    prepare(page, lang)
                for visit in visits:
                    where = f"{visit.name} [{lang} {size['width']}x{size['height']}]"
                    response = page.goto(_with_lang(visit.url, lang))
                    if visit.press is not None:
                        with page.expect_navigation():
                            page.locator(visit.press).first.click()
                        status = visit.status
                    else:
                        status = response.status if response is not None else 0
                    if status != visit.status and not visit.url.startswith("file:"):
                        problems.append(f"{where}: HTTP {status}, expected {visit.status}")
                    if visit.expect is not None and page.locator(visit.expect).count() == 0:
                        problems.append(f"{where}: nothing matches {visit.expect}")
                    found = page.evaluate(LAYOUT_CHECK) + axe_problems(page, axe)
                    problems.extend(f"{where}: {p}" for p in found)
            finally:
                context.close()
    return problems


def report(problems: list[str]) -> str:
    """The problems, one a line, for an assertion message."""
    return "\n".join(problems) or json.dumps(problems)

"""axe-core in the browser tests.

The vendored copy (static/vendor/axe-core/) is injected into the page under test only: no
template loads it, so people never download it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")

RUN = """async () => {
  const results = await window.axe.run(document, { resultTypes: ["violations"] });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.map((node) => node.target.join(" ")),
  }));
}"""


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe's serious and critical violations on the page as it is now."""
    if not page.evaluate("typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol, which the page's Content-Security-Policy
        # does not govern: an injected <script> (add_script_tag) would be inline code, which
        # the policy blocks and the csp_watch fixture reports.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    found: list[dict[str, Any]] = page.evaluate(RUN)
    return [v for v in found if v["impact"] in FAILING_IMPACTS]


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["targets"][:8])
        for v in violations
    )


def check_axe(page: Page, *, where: str = "") -> None:
    """Fails the test when axe finds a serious or critical violation on the page, naming the
    rule, its impact, the elements and what to do."""
    violations = axe_violations(page)
    if violations:
        pytest.fail(
            f"axe-core: {len(violations)} serious or critical violation(s) on "
            f"{where or page.url}:\n{describe(violations)}",
            pytrace=False,
        )

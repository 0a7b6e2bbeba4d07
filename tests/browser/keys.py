"""Getting around a page with the keyboard only, as a person without a mouse does."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

HAS_FOCUS = "(s) => document.activeElement === document.querySelector(s)"


def focused(page: Page) -> str:
    """The start tag of the focused element, for messages."""
    return str(page.evaluate("document.activeElement.outerHTML.split('>')[0] + '>'"))


def tab_to(page: Page, selector: str, *, back: bool = False, presses: int = 80) -> None:
    """Presses Tab (Shift+Tab with `back`) until the element `selector` names has the focus;
    fails when it cannot be reached that way."""
    for _ in range(presses):
        if page.evaluate(HAS_FOCUS, selector):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"{selector} cannot be reached with Tab; the focus is on {focused(page)}")


def type_into(page: Page, selector: str, text: str, *, back: bool = False) -> None:
    """Tabs to a field and types `text` into it (a newline is the Enter key)."""
    tab_to(page, selector, back=back)
    page.keyboard.type(text)


def press_on(page: Page, selector: str, key: str = "Enter", *, back: bool = False) -> None:
    tab_to(page, selector, back=back)
    page.keyboard.press(key)

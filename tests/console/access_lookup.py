"""Permission-matrix rows for the Account lookup page (every role of the app may use it)."""

from __future__ import annotations

from tests.console.access import MEMBERS, Page

PAGES = [
    Page("account-lookup", "get", MEMBERS),
]

"""Permission-matrix rows for the console's review pages."""

from __future__ import annotations

from tests.console.access import Page

PAGES: list[Page] = []

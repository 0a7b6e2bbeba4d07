"""Permission-matrix rows for the console's packages pages."""

from __future__ import annotations

from tests.console.access import Page

PAGES: list[Page] = []

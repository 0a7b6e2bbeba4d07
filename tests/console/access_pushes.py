"""Permission-matrix rows for the console's pushes pages."""

from __future__ import annotations

from tests.console.access import Page

PAGES: list[Page] = []

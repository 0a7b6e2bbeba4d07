"""Structure held by tooling: short functions in console/ and pushes/ (import contracts and
complexity are held by lint-imports and ruff, run by `make test`)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 60


def _long_functions() -> set[str]:
    found = set()
    for package in ("console", "pushes"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    assert node.end_lineno is not None
                    if node.end_lineno - node.lineno + 1 > MAX_LINES:
                        found.add(f"{path.relative_to(ROOT)}:{node.name}")
    return found


def test_no_function_in_console_or_pushes_is_longer_than_60_lines() -> None:
    assert sorted(_long_functions()) == []

"""Compiles the message catalogs (locale/*/LC_MESSAGES/*.po → .mo) with Babel.

Pure Python, so a fresh machine needs no GNU gettext: `make install` (and so `make run` and
`make test`), the Docker image and the test session run it. Only catalogs whose .mo is
missing or older than the .po are written, each to a temporary file first and moved into
place, so processes starting together never read half a file. Fuzzy entries are left out,
as msgfmt leaves them out.

    python -m console.catalogs [LOCALE_DIR]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def stale_catalogs(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """The .po files whose .mo is missing or older."""
    stale = []
    for po in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            stale.append(po)
    return stale


def compile_catalog(po: Path) -> Path:
    with po.open("rb") as source:
        catalog = read_po(source, locale=po.parent.parent.name)
    mo = po.with_suffix(".mo")
    handle, temporary = tempfile.mkstemp(dir=po.parent, prefix=".", suffix=".mo")
    try:
        with os.fdopen(handle, "wb") as target:
            write_mo(target, catalog, use_fuzzy=False)
        # mkstemp makes the file private; catalogs are read by whichever user serves them.
        os.chmod(temporary, 0o644)
        os.replace(temporary, mo)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return mo


def compile_stale(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    return [compile_catalog(po) for po in stale_catalogs(locale_dir)]


def main(argv: list[str]) -> int:
    locale_dir = Path(argv[0]) if argv else LOCALE_DIR
    for mo in compile_stale(locale_dir):
        print(f"compiled {mo.relative_to(locale_dir.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

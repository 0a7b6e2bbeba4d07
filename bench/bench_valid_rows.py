"""Keeping a rejected package's valid rows: wall time and peak memory for 5,000,000 rows.

Run from the repository root::

    python -m bench.bench_valid_rows [--accounts 5000000] [--keep DIR]

It writes a ~100 MB .txt package: a header row, then 20-byte accounts with 1% repeated and one
row in 10,000 too short, and measures, each in a fresh process (so the peak resident memory,
``VmHWM``, is that run's alone):

- the validation a worker runs, with every rejected row and the first 10,000 duplicates
  going to the error report (the duplicates need a second pass over the file);
- writing the valid rows to a new .txt file (two passes), as "Use the N valid rows" does;
- validating the file written, as the new package is.

Against the size of the file itself: the writer never holds it. It prints figures and asserts
nothing.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_packages import _fixed_width, _peak_mb

DUPLICATE_SHARE = 0.01
BAD_EVERY = 10_000


def generate(path: Path, accounts: int) -> None:
    import numpy as np

    distinct = int(accounts * (1 - DUPLICATE_SHARE))
    numbers = (np.arange(accounts, dtype=np.int64) * 7919) % distinct
    table = np.frombuffer(_fixed_width(numbers, b"user", 15, b"\n"), dtype=np.uint8).reshape(
        accounts, 20
    )
    table = table.copy()
    table[::BAD_EVERY, 1:19] = ord(" ")  # "u" and spaces: one character once stripped
    with path.open("wb") as out:
        out.write(b"account\n")
        out.write(table.tobytes())


def measure(step: str, path: Path) -> None:
    """Run one step in this (fresh) process and print its figures as JSON."""
    import pushes.packages.validate  # noqa: F401 - loaded before the clock starts

    start_mb = _peak_mb()
    began = time.perf_counter()
    figures = _validate(path) if step == "validate" else _write(path)
    seconds = time.perf_counter() - began
    print(json.dumps({"seconds": seconds, "peak_mb": _peak_mb(), "start_mb": start_mb, **figures}))


def _validate(path: Path) -> dict[str, object]:
    from pushes.packages import validate_package, write_error_report

    errors: list[object] = []
    duplicates: list[object] = []
    with path.open("rb") as package:
        result = validate_package(
            package, path.name, on_error=errors.append, on_duplicate=duplicates.append
        )
    write_error_report(errors, io.StringIO(), duplicates=duplicates)  # type: ignore[arg-type]
    return {
        "rows": result.rows,
        "accounts": result.accounts,
        "invalid_rows": result.invalid_rows,
        "duplicates": result.duplicates,
        "listed": result.duplicates_listed,
        "header_line": result.header_line,
    }


def _write(path: Path) -> dict[str, object]:
    from pushes.packages import write_valid_rows

    target = path.with_name("valid-rows.txt")
    with path.open("rb") as package, target.open("wb") as out:
        rows = write_valid_rows(package, path.name, out)
    return {"accounts": rows.accounts, "dropped": rows.dropped, "bytes": rows.size}


def _run(step: str, path: Path) -> dict[str, float]:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.bench_valid_rows", "--measure", step, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout)  # type: ignore[no-any-return]


def report(folder: Path, accounts: int) -> None:
    package = folder / "accounts.txt"
    generate(package, accounts)
    size_mb = package.stat().st_size / 1024 / 1024
    print(f"{accounts:,} accounts, {size_mb:,.1f} MB, a header and 1% repeated")
    steps = [
        ("validate, with the report of bad rows and duplicates", "validate", package),
        ("write the valid rows (two passes)", "write", package),
        ("validate the file written", "validate", folder / "valid-rows.txt"),
    ]
    for label, step, path in steps:
        figures = _run(step, path)
        extra = {k: v for k, v in figures.items() if k not in {"seconds", "peak_mb", "start_mb"}}
        print(
            f"  {label}: {figures['seconds']:.2f} s, peak {figures['peak_mb']:,.0f} MB "
            f"(from {figures['start_mb']:,.0f} MB at start) {json.dumps(extra)}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=5_000_000)
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    parser.add_argument("--measure", nargs=2, metavar=("STEP", "PATH"), help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.measure:
        measure(options.measure[0], Path(options.measure[1]))
        return 0
    if options.keep:
        options.keep.mkdir(parents=True, exist_ok=True)
        report(options.keep, options.accounts)
        return 0
    with tempfile.TemporaryDirectory() as folder:
        report(Path(folder), options.accounts)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Account package validation: wall time and peak memory, against a plain Python baseline.

Run from the repository root::

    python -m bench.bench_packages [--accounts 5000000] [--keep DIR]

It writes a ~100 MB package of 5,000,000 accounts (1% repeated) as .txt, .csv, .csv with every
field quoted, and .zip into a temporary folder, then validates each one in a fresh process, so
the peak resident memory (``VmHWM``) belongs to that run alone. The baseline is the
straightforward code: read line by line, decode, strip, check the length, and add to a ``set``.

Then what a person running ``manage.py validate_package FILE --json`` waits for:

- start-up, the median of several runs: ``manage.py validate_package --help`` and the command
  on a two-line file (without Django's set-up, see pushes/packages/cli.py; and through it),
  against ``python -c pass`` and a bare ``django.setup()``;
- the whole check from a cold process, start-up included: the command against a fresh Python
  process running the plain loop.

It prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

DUPLICATE_SHARE = 0.01
ROOT = Path(__file__).resolve().parent.parent
STARTUP_RUNS = 9
WHOLE_RUNS = 3


def _fixed_width(numbers: np.ndarray, prefix: bytes, digits: int, suffix: bytes) -> bytes:
    """One line per number, zero-padded: built as a byte table, not a Python loop."""
    import numpy as np

    width = len(prefix) + digits + len(suffix)
    table = np.empty((numbers.size, width), dtype=np.uint8)
    table[:, : len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    for place in range(digits):
        table[:, len(prefix) + digits - 1 - place] = ord("0") + (numbers // 10**place) % 10
    table[:, len(prefix) + digits :] = np.frombuffer(suffix, dtype=np.uint8)
    return table.tobytes()


def generate(folder: Path, accounts: int) -> list[Path]:
    # numpy is imported here, not by the module: the baseline runs in a process of its own
    # that must not pay for it.
    import numpy as np

    distinct = int(accounts * (1 - DUPLICATE_SHARE))
    # A fixed permutation-like walk: every number below ``distinct`` once, then repeats.
    numbers = (np.arange(accounts, dtype=np.int64) * 7919) % distinct
    plain = _fixed_width(numbers, b"user", 15, b"\n")  # 20 bytes a line: 100 MB for 5M
    quoted = _fixed_width(numbers, b'"user', 13, b'"\n')  # also 20 bytes a line
    paths = {
        "accounts.txt": plain,
        "accounts.csv": plain,
        "accounts-quoted.csv": quoted,
    }
    for name, data in paths.items():
        (folder / name).write_bytes(data)
    with zipfile.ZipFile(folder / "accounts.zip", "w", compression=zipfile.ZIP_DEFLATED) as out:
        out.writestr("accounts.txt", plain)
    return [folder / name for name in [*paths, "accounts.zip"]]


def streaming(path: Path) -> dict[str, object]:
    from pushes.packages import validate_package

    with path.open("rb") as upload:
        result = validate_package(upload, path.name)
    return {
        "valid": result.valid,
        "rows": result.rows,
        "accounts": result.accounts,
        "duplicates": result.duplicates,
    }


def baseline(path: Path) -> dict[str, object]:
    """The obvious code: a line loop, a decode per line and a set of every account."""
    digest = hashlib.sha256()
    with path.open("rb") as raw:
        while chunk := raw.read(1 << 20):
            digest.update(chunk)
    seen: set[str] = set()
    rows = invalid = 0
    with _text_lines(path) as lines:
        for line in lines:
            account = line.strip(" \t\r\n")
            if not account:
                continue
            rows += 1
            if not 2 <= len(account) <= 100:
                invalid += 1
            else:
                seen.add(account)
    return {
        "valid": invalid == 0 and bool(seen),
        "rows": rows,
        "accounts": len(seen),
        "duplicates": rows - invalid - len(seen),
    }


@contextmanager
def _text_lines(path: Path) -> Iterator[Iterable[str]]:
    """The decoded lines of a .txt, the single field of each .csv row, or a zip's entry."""
    with ExitStack() as stack:
        if path.suffix == ".zip":
            archive = stack.enter_context(zipfile.ZipFile(path))
            raw: IO[bytes] = stack.enter_context(archive.open(archive.infolist()[0]))
        else:
            raw = stack.enter_context(path.open("rb"))
        text = stack.enter_context(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
        if path.suffix == ".csv":
            yield (row[0] if len(row) == 1 else "" for row in csv.reader(text))
        else:
            yield text


def measure(method: str, path: Path) -> None:
    """Run one validation in this (fresh) process and print its figures as JSON."""
    if method == "streaming":
        import pushes.packages.validate  # noqa: F401 - loaded before the clock starts, as before

    start_mb = _peak_mb()
    began = time.perf_counter()
    outcome = streaming(path) if method == "streaming" else baseline(path)
    seconds = time.perf_counter() - began
    print(json.dumps({"seconds": seconds, "peak_mb": _peak_mb(), "start_mb": start_mb, **outcome}))


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM).

    Not ru_maxrss: Linux carries that over from the parent across fork and exec, so a child
    would report the generator's peak.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(method: str, path: Path) -> dict[str, float]:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.bench_packages", "--measure", method, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout)  # type: ignore[no-any-return]


def _wall(command: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=False)
    return time.perf_counter() - began


def _median_wall(command: list[str], env: dict[str, str], runs: int = STARTUP_RUNS) -> float:
    _wall(command, env)  # warm the file cache and the bytecode
    return statistics.median(_wall(command, env) for _ in range(runs))


def _command_env() -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": os.environ.get("DEBUG", "1"),
        "DJANGO_SETTINGS_MODULE": "console.settings",
    }


def startup(folder: Path) -> None:
    """How long `validate_package` takes to start, against baselines (median wall times)."""
    env = _command_env()
    tiny = folder / "two-accounts.txt"
    tiny.write_bytes(b"alice\nbob\n")
    python = sys.executable
    manage = [python, "manage.py", "validate_package"]
    rows = [
        ("python -c pass", [python, "-c", "pass"]),
        ("bare django.setup()", [python, "-c", "import django; django.setup()"]),
        ("validate_package --help", [*manage, "--help"]),
        ("validate_package two-line file --json", [*manage, str(tiny), "--json"]),
        # One of Django's own options: the command runs through a full Django set-up.
        ("  the same through Django (--verbosity 1)", [*manage, str(tiny), "--json", "-v", "1"]),
    ]
    print(f"\nStart-up of manage.py validate_package (median of {STARTUP_RUNS} cold processes):")
    for label, command in rows:
        print(f"  {label:<44}{_median_wall(command, env) * 1000:>7.0f} ms")


def whole_check(paths: list[Path]) -> None:
    """The command from a cold process against a cold process running the plain loop."""
    env = _command_env()
    print(f"\nWhole check from a cold process, start-up included (median of {WHOLE_RUNS}, s):")
    header = f"  {'file':<22}{'validate_package':>17}{'plain loop':>12}  vs baseline"
    print(header)
    print("  " + "-" * (len(header) - 2))
    for path in paths:
        ours_runs, plain_runs = [], []
        for _ in range(WHOLE_RUNS):  # interleaved, so a busy moment hits both alike
            ours_runs.append(
                _wall([sys.executable, "manage.py", "validate_package", str(path), "--json"], env)
            )
            plain_runs.append(
                _wall(
                    [sys.executable, "-m", "bench.bench_packages", "--measure", "baseline"]
                    + [str(path)],
                    env,
                )
            )
        ours, plain = statistics.median(ours_runs), statistics.median(plain_runs)
        print(f"  {path.name:<22}{ours:>17.2f}{plain:>12.2f}  {plain / ours:.1f}x faster")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--accounts", type=int, default=5_000_000)
    parser.add_argument("--keep", type=Path, help="write the packages here and keep them")
    parser.add_argument("--measure", nargs=2, metavar=("METHOD", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure[0], Path(args.measure[1]))
        return

    with tempfile.TemporaryDirectory(prefix="bench-packages-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        began = time.perf_counter()
        paths = generate(folder, args.accounts)
        print(
            f"Account packages: {args.accounts:,} accounts, {DUPLICATE_SHARE:.0%} repeated; "
            f"generated in {time.perf_counter() - began:.1f} s"
        )
        import numpy as np

        print(
            f"Python {platform.python_version()}, numpy {np.__version__}, "
            f"{os.cpu_count()} CPUs; each run in a fresh process\n"
        )
        header = (
            f"{'file':<22}{'size':>10}  {'method':<10}{'seconds':>8}{'peak MB':>9}"
            f"{'start MB':>9}  {'accounts':>10}  vs baseline"
        )
        print(header)
        print("-" * len(header))
        for path in paths:
            ours, plain = _run("streaming", path), _run("baseline", path)
            size = f"{path.stat().st_size / 1024 / 1024:.1f} MiB"
            for method, figures in (("streaming", ours), ("baseline", plain)):
                ratio = (
                    f"{plain['seconds'] / ours['seconds']:.1f}x faster, "
                    f"{plain['peak_mb'] / ours['peak_mb']:.1f}x less memory"
                    if method == "streaming"
                    else ""
                )
                print(
                    f"{path.name if method == 'streaming' else '':<22}"
                    f"{size if method == 'streaming' else '':>10}  {method:<10}"
                    f"{figures['seconds']:>8.2f}{figures['peak_mb']:>9.0f}"
                    f"{figures['start_mb']:>9.0f}  {figures['accounts']:>10,}  {ratio}"
                )
        print(
            "\npeak MB: the process's peak resident memory (VmHWM), interpreter included; "
            "start MB: the same before validating."
        )
        startup(folder)
        whole_check(paths)


if __name__ == "__main__":
    main()

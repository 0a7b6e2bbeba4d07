"""Account lookup in a package: building its account index, then asking it.

Run from the repository root::

    python -m bench.bench_lookup [--accounts 5000000] [--lookups 2000]

It writes a package of 5,000,000 distinct accounts (20 bytes a line, 100 MB) with numpy,
builds its index (pushes/packages/index.py) with the validator's reader, and prints the build
time, its peak traced memory and the index size. Then it looks up as many accounts as asked,
half of them in the package and half not, each as the console does it: open the stored index,
read the header, the fence and one block, close. It prints p50/p95/max per lookup for hits and
misses, and the reads and bytes one lookup takes. The target is a lookup well under 100 ms.
The build runs twice: timed, then under tracemalloc for its peak memory.

It prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path


def _package(accounts: int) -> bytes:
    """One zero-padded account a line, as a byte table (no Python loop)."""
    import numpy as np

    prefix, digits = b"user", 15
    numbers = np.arange(accounts, dtype=np.int64) * 7919 % (accounts * 10)
    width = len(prefix) + digits + 1
    table = np.empty((accounts, width), dtype=np.uint8)
    table[:, : len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    for place in range(digits):
        table[:, len(prefix) + digits - 1 - place] = ord("0") + (numbers // 10**place) % 10
    table[:, -1] = ord("\n")
    return table.tobytes()


def _account(number: int) -> str:
    return f"user{number:015d}"


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"p50 {p50 * 1000:.3f} ms, p95 {p95 * 1000:.3f} ms, max {ordered[-1] * 1000:.3f} ms"


def _build(folder: Path, accounts: int) -> Path:
    from pushes.packages import index

    started = time.perf_counter()
    data = _package(accounts)
    package = folder / "accounts.txt"
    package.write_bytes(data)
    del data
    print(f"package: {accounts:,} accounts, {package.stat().st_size:,} bytes, "
          f"written in {time.perf_counter() - started:.2f} s")  # fmt: skip

    target = folder / "accounts.idx"
    started = time.perf_counter()
    with package.open("rb") as source, target.open("w+b") as out:
        info = index.build_index(source, package.name, out)  # type: ignore[arg-type]
    took = time.perf_counter() - started
    print(f"index build: {took:.2f} s, {info.count:,} accounts, {info.size:,} bytes "
          f"({info.size / info.count:.2f} bytes an account)")  # fmt: skip
    # Once more under tracemalloc, which slows the build down several times: memory only.
    tracemalloc.start()
    with package.open("rb") as source, tempfile.TemporaryFile() as out:
        index.build_index(source, package.name, out)  # type: ignore[arg-type]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"index build peak traced memory: {peak / 1024 / 1024:.1f} MiB "
          f"(all hashes at once would be {info.count * 8 / 1024 / 1024:.1f} MiB)")  # fmt: skip
    return target


def _ask(target: Path, account: str, reads: list[int] | None = None) -> bool:
    from pushes.packages import index

    with target.open("rb") as stored:
        read = index.file_reader(stored)

        def counted(offset: int, size: int) -> bytes:
            if reads is not None:
                reads.append(size)
            return read(offset, size)

        return index.contains(counted, account)


def _lookups(target: Path, accounts: int, lookups: int) -> None:
    numbers = [random.randrange(accounts) * 7919 % (accounts * 10) for _ in range(lookups // 2)]
    hits = [_account(n) for n in numbers]
    # The package's numbers are all below accounts * 10: these are not in it.
    misses = [
        _account(random.randrange(accounts * 10, accounts * 20)) for _ in range(lookups - len(hits))
    ]
    for label, wanted, sample in (("hits", True, hits), ("misses", False, misses)):
        times, wrong = [], 0
        for account in sample:
            started = time.perf_counter()
            found = _ask(target, account)
            times.append(time.perf_counter() - started)
            wrong += found is not wanted
        print(f"lookup, {label} ({len(sample):,}): {_percentiles(times)}; wrong answers: {wrong}")
    reads: list[int] = []
    _ask(target, hits[0], reads)
    print(f"one lookup reads {len(reads)} times, {sum(reads):,} bytes in all")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=5_000_000)
    parser.add_argument("--lookups", type=int, default=2000)
    args = parser.parse_args()
    random.seed(11)
    with tempfile.TemporaryDirectory(prefix="bench-lookup-") as folder:
        target = _build(Path(folder), args.accounts)
        _lookups(target, args.accounts, args.lookups)


if __name__ == "__main__":
    main()

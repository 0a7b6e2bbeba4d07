"""`make bench`: every benchmark in turn. Each prints its own figures."""

from __future__ import annotations

import subprocess
import sys

BENCHES = [
    "bench.bench_packages",
    "bench.bench_upload",
    "bench.bench_delivery",
    "bench.bench_exactly_once",
    "bench.bench_results",
    "bench.bench_valid_rows",
    "bench.bench_preflight",
    "bench.bench_lookup",
    "bench.bench_pages",
]


def main() -> int:
    failed = 0
    for module in BENCHES:
        print(f"\n===== {module} =====", flush=True)
        failed += subprocess.run([sys.executable, "-m", module], check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

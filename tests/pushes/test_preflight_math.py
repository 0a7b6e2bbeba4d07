"""Reachability preflight arithmetic: the Wilson interval, batches and the reservoir sample
(uniform, and in memory bounded by the sample whatever the stream's length)."""

from __future__ import annotations

import random
import tracemalloc

import pytest

from pushes.selectors.preflight import batches, percent, reservoir_sample, wilson_interval


def test_wilson_interval_matches_the_textbook_values() -> None:
    low, high = wilson_interval(620, 1000)
    assert (round(low, 4), round(high, 4)) == (0.5895, 0.6496)
    low, high = wilson_interval(0, 1000)  # none found: the interval still has a width
    assert low == 0.0 and 0.0038 < high < 0.0039
    assert wilson_interval(1000, 1000)[1] == 1.0
    assert wilson_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


def test_percentages_read_in_whole_numbers_with_a_decimal_when_small() -> None:
    assert percent(0.62) == "62%"
    assert percent(0.003) == "0.3%"
    assert percent(0.0) == "0%"
    low, high = wilson_interval(620, 1000)
    assert (percent(low, down=True), percent(high, up=True)) == ("58%", "65%")


def test_batches_hold_at_most_the_batch_size_in_order() -> None:
    assert [len(b) for b in batches(range(250), 100)] == [100, 100, 50]
    assert [x for b in batches(iter(range(7)), 3) for x in b] == list(range(7))
    assert list(batches([], 5)) == []
    with pytest.raises(ValueError):
        list(batches([1], 0))


def test_a_short_stream_is_sampled_whole() -> None:
    sample, seen = reservoir_sample(iter(["a", "b"]), 5)
    assert sorted(sample) == ["a", "b"] and seen == 2


def test_the_reservoir_sample_is_uniform() -> None:
    """Each of 100 items lands in a 10-item sample about 10% of the time (chi-square)."""
    rng = random.Random(20240601)
    runs, n, k = 4000, 100, 10
    counts = [0] * n
    for _ in range(runs):
        sample, seen = reservoir_sample(range(n), k, rng=rng)
        assert seen == n and len(set(sample)) == k
        for item in sample:
            counts[item] += 1
    expected = runs * k / n
    chi_square = sum((c - expected) ** 2 / expected for c in counts)
    # 99 degrees of freedom: the 99.9th percentile is about 148.
    assert chi_square < 148, chi_square
    first_half = sum(counts[: n // 2]) / (runs * k)
    assert 0.48 < first_half < 0.52


def test_the_reservoir_sample_reads_a_long_stream_in_bounded_memory() -> None:
    """Memory holds the sample, not the stream: 1,000,000 accounts kept would take about
    70 MB; the sample of 1,000 takes about 70 KB (the stream is a generator, as the package
    reader is). The bound leaves room for whatever other threads of the test process
    allocate meanwhile (tracemalloc counts them too)."""

    def peak(n: int) -> int:
        accounts = (f"account-{i:08d}" for i in range(n))
        tracemalloc.start()
        sample, seen = reservoir_sample(accounts, 1000, rng=random.Random(1))
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert seen == n and len(sample) == 1000
        return top

    small, large = peak(10_000), peak(1_000_000)
    assert small < 2_000_000
    assert large < 2_000_000


def test_progress_is_told_as_the_stream_is_read() -> None:
    seen: list[int] = []
    reservoir_sample(range(50_000), 100, rng=random.Random(3), progress=seen.append)
    assert seen and seen == sorted(seen) and seen[-1] <= 50_000

"""Reads of the reachability preflight: which check describes a push as it is now, its
figures in words (an estimate with its Wilson interval), and the pure pieces the checks
use (batches, a uniform sample of a stream of unknown length).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, TypeVar

from django.utils.formats import number_format

from pushes.models import Push, ReachCheck, account_type_label
from pushes.tpns.schema import MAX_ACCOUNTS_PER_LIST

if TYPE_CHECKING:
    from django.db.models import QuerySet

T = TypeVar("T")

# The normal quantile of a two-sided 95% interval.
Z_95 = 1.959963984540054
# Typed lists up to this size are checked while the page waits; longer ones (sent as an
# account package anyway) by a worker, like packages.
INLINE_MAX_ACCOUNTS = MAX_ACCOUNTS_PER_LIST


# ---------------------------------------------------------------- the pure pieces


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion: unlike p ± z·√(p(1−p)/n), it stays
    within 0..1 and does not collapse to a point when none or all of the sample succeed."""
    if n <= 0:
        return 0.0, 1.0
    if not 0 <= successes <= n:
        raise ValueError("successes must be between 0 and n")
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    # At the ends the bound is exactly 0 or 1; floating point would leave a speck.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most `size` items, read from the iterable as needed."""
    if size < 1:
        raise ValueError("a batch holds at least one item")
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _uniform(rng: random.Random) -> float:
    """A draw from (0, 1): log() of it is always defined."""
    value = rng.random()
    while value == 0.0:
        value = rng.random()
    return value


def reservoir_sample(
    items: Iterable[T],
    k: int,
    *,
    rng: random.Random | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[T], int]:
    """A uniform random sample of `k` items of a stream read once, and how many it held.

    Memory is the sample's, whatever the stream's length (Li's algorithm L: it draws how
    many items to skip, so most items cost no random number). `progress(seen)` is called
    as the stream is read.
    """
    if k < 1:
        raise ValueError("a sample holds at least one item")
    rng = rng or random.Random()
    iterator = iter(items)
    sample = list(islice(iterator, k))
    seen = len(sample)
    if seen < k:
        return sample, seen
    weight = math.exp(math.log(_uniform(rng)) / k)
    while True:
        skip = math.floor(math.log(_uniform(rng)) / math.log1p(-weight))
        skipped = sum(1 for _ in islice(iterator, skip))
        seen += skipped
        if skipped < skip:
            break
        item = next(iterator, _END)
        if item is _END:
            break
        seen += 1
        sample[rng.randrange(k)] = item  # type: ignore[assignment]
        weight *= math.exp(math.log(_uniform(rng)) / k)
        if progress is not None:
            progress(seen)
    return sample, seen


_END = object()


# ---------------------------------------------------------------- which check


def reach_target_hash(push: Push) -> str:
    """What a check checks: the gateway and AccessID, the account type and the accounts
    (typed, or the package's bytes). Title or content changes leave it as it is."""
    if push.source == Push.Source.PACKAGE:
        accounts = f"package:{push.package.sha256 if push.package else ''}"
    else:
        listed = "\n".join(push.accounts).encode("utf-8")
        accounts = f"typed:{hashlib.sha256(listed).hexdigest()}"
    target = {
        "gateway": push.app.gateway,
        "access_id": push.app.access_id,
        "account_type": push.account_type,
        "accounts": accounts,
    }
    return hashlib.sha256(json.dumps(target, sort_keys=True).encode()).hexdigest()


def reach_total(push: Push) -> int:
    """The accounts a check of this push covers; 0 when it has none to check yet."""
    if push.source == Push.Source.PACKAGE:
        package = push.package
        if package is None or package.status != package.Status.VALID:
            return 0
        return package.accounts
    return len(push.accounts)


def reach_checks_of(push: Push) -> QuerySet[ReachCheck]:
    """The checks of the push as it is now (its current target), newest first."""
    return push.reach_checks.filter(target_hash=reach_target_hash(push)).order_by("-id")


def reach_check_current(push: Push) -> ReachCheck | None:
    """The newest check of the push as it is now: what its author saw, or a reviewer since."""
    return reach_checks_of(push).select_related("requested_by").first()


def reach_check_get(push: Push, check_id: int) -> ReachCheck | None:
    return push.reach_checks.select_related("requested_by").filter(pk=check_id).first()


def reach_is_inline(push: Push) -> bool:
    """Checked while the page waits (a short list) rather than by a worker."""
    return push.source == Push.Source.MANUAL and len(push.accounts) <= INLINE_MAX_ACCOUNTS


# ---------------------------------------------------------------- in words


@dataclass(frozen=True)
class ReachView:
    """One check as a page shows it."""

    check: ReachCheck | None
    account_type: str  # "Default (0)"
    gateway: str
    is_current: bool  # of the push as it is now
    every_account: bool = False  # a package or long list of which every account was checked
    percent: str = ""  # of the accounts (or of the sample) with a device, "62%"
    low: str = ""  # the 95% interval of an estimate
    high: str = ""
    level: str = ""  # "95%"

    @property
    def is_estimate(self) -> bool:
        return self.check is not None and not self.check.exact

    @property
    def nobody_reachable(self) -> bool:
        return self.check is not None and self.check.nobody_reachable

    @property
    def kept_unbound(self) -> int:
        return len(self.check.unbound) if self.check is not None else 0

    @property
    def unbound_cut(self) -> bool:
        """Only the first unbound accounts were kept (an exact check of a long list)."""
        return self.check is not None and self.kept_unbound < self.check.unbound_count


def reach_view(push: Push, check: ReachCheck | None) -> ReachView:
    label = account_type_label(check.account_type if check else push.account_type)
    gateway = push.app.get_gateway_display()
    current = check is not None and check.target_hash == reach_target_hash(push)
    if check is None or not check.is_done or not check.checked:
        return ReachView(check, label, gateway, is_current=current)
    low, high = wilson_interval(check.bound, check.checked)
    return ReachView(
        check,
        label,
        gateway,
        is_current=current,
        every_account=check.exact and not reach_is_inline(push),
        percent=percent(check.bound / check.checked),
        low=percent(low, down=True),
        high=percent(high, up=True),
        level=percent(0.95),
    )


def percent(share: float, *, down: bool = False, up: bool = False) -> str:
    """A share as a percentage in the active language ("62%"): whole numbers, a decimal
    below 10% (0.3% is not "0%"), rounded outwards for an interval's ends."""
    value = share * 100
    places = 0 if value >= 10 or value == 0 else 1
    scale = 10**places
    if down:
        value = math.floor(value * scale + 1e-9) / scale
    elif up:
        value = math.ceil(value * scale - 1e-9) / scale
    return f"{number_format(value, decimal_pos=places)}%"

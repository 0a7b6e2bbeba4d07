"""What sandbox devices do with a notification: their vendor channel, and when it arrives,
is clicked or is cleared.

A device gets its channel when it is registered — iOS devices APNs, Android devices a mix like
a real Chinese audience's (TPNS's own channel, Huawei, Xiaomi, OPPO, vivo, FCM) — so
per-channel statistics have something to show. Each delivery draws its arrival, click and clear
times from its app's engagement model when it is written; statistics count an event once its
time has come, so a push's figures grow over the following minutes as TPNS's do.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.utils.formats import number_format
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from pushes.sandbox.models import SandboxApp

IOS_CHANNEL = "apns"
# Android channels and their weights out of 100.
ANDROID_CHANNELS: tuple[tuple[str, int], ...] = (
    ("xg", 30),
    ("hw", 22),
    ("xm", 16),
    ("oppo", 14),
    ("vivo", 10),
    ("fcm", 8),
)
CHANNELS = (*(name for name, _ in ANDROID_CHANNELS), IOS_CHANNEL)
# No event is drawn later than this many mean delays after delivery.
MAX_DELAY_FACTOR = 10
# The longest mean delay a model may have: a day.
MAX_DELAY_SECONDS = 86_400


def channel_for(*, platform: str, token: str) -> str:
    """The device's channel: APNs on iOS, else picked by the token's hash (stable)."""
    if platform == "ios":
        return IOS_CHANNEL
    point = int.from_bytes(hashlib.sha256(token.encode()).digest()[:4], "big") % 100
    for name, weight in ANDROID_CHANNELS:
        if point < weight:
            return name
        point -= weight
    return ANDROID_CHANNELS[0][0]


@dataclass(frozen=True)
class Model:
    arrival_rate: float
    click_rate: float
    clear_rate: float
    arrival_delay: float  # mean seconds from delivery to arrival
    engage_delay: float  # mean seconds from arrival to a click or a clear

    @classmethod
    def of(cls, app: SandboxApp) -> Model:
        return cls(
            arrival_rate=app.arrival_rate,
            click_rate=app.click_rate,
            clear_rate=app.clear_rate,
            arrival_delay=app.arrival_delay_seconds,
            engage_delay=app.engage_delay_seconds,
        )


@dataclass(frozen=True)
class Outcome:
    arrived_at: datetime | None = None
    clicked_at: datetime | None = None
    cleared_at: datetime | None = None


def problems(
    *,
    arrival_rate: float,
    click_rate: float,
    clear_rate: float,
    arrival_delay_seconds: float = 0,
    engage_delay_seconds: float = 0,
) -> dict[str, str]:
    """Field → what is wrong with an engagement model, empty when it is valid.

    Rates are shares (0 to 1); the wording names them as percentages, which reads the same
    whether a form shows shares or percentages.
    """
    found: dict[str, str] = {}
    for name, value in (
        ("arrival_rate", arrival_rate),
        ("click_rate", click_rate),
        ("clear_rate", clear_rate),
    ):
        if not 0 <= value <= 1:
            found[name] = _("Enter a rate between 0 and 100%.")
    if "click_rate" not in found and "clear_rate" not in found and click_rate + clear_rate > 1:
        found["clear_rate"] = _("The click rate and the clear rate together must not pass 100%.")
    for name, seconds in (
        ("arrival_delay_seconds", arrival_delay_seconds),
        ("engage_delay_seconds", engage_delay_seconds),
    ):
        if not 0 <= seconds <= MAX_DELAY_SECONDS:
            found[name] = _("Enter a delay between 0 and %(max)s seconds.") % {
                "max": number_format(MAX_DELAY_SECONDS, force_grouping=True)
            }
    return found


class Drawer:
    """Draws outcomes for one push's deliveries."""

    def __init__(self, model: Model, *, now: datetime, rng: random.Random | None = None) -> None:
        self.model = model
        self.now = now
        self.rng = rng or random.Random()  # noqa: S311 - a simulation, not a secret

    def draw(self) -> Outcome:
        if self.rng.random() >= self.model.arrival_rate:
            return Outcome()
        arrived = self.now + self._delay(self.model.arrival_delay)
        roll = self.rng.random()
        if roll < self.model.click_rate:
            return Outcome(arrived_at=arrived, clicked_at=arrived + self._engage())
        if roll < self.model.click_rate + self.model.clear_rate:
            return Outcome(arrived_at=arrived, cleared_at=arrived + self._engage())
        return Outcome(arrived_at=arrived)

    def _engage(self) -> timedelta:
        return self._delay(self.model.engage_delay)

    def _delay(self, mean: float) -> timedelta:
        if mean <= 0:
            return timedelta(0)
        seconds = min(self.rng.expovariate(1 / mean), mean * MAX_DELAY_FACTOR)
        return timedelta(seconds=seconds)

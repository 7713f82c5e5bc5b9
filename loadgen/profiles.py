"""The four load profiles as plain functions of time, free of Locust so they can be tested
and reasoned about anywhere. :mod:`loadgen.shapes` wraps them as Locust ``LoadTestShape``.

``Plan.at(t)`` answers what Locust's ``tick()`` answers: ``(users, spawn_rate)`` wanted at
``t`` seconds into the test, or ``None`` once the duration is over. Locust calls it about once
a second and spawns or stops users at ``spawn_rate`` per second to reach the target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

ProfileName = Literal["constant", "ramp", "spike", "step"]

# Without a spawn_rate, a ramp climbs during the first half and holds during the second.
RAMP_FRACTION = 0.5
# A spike test idles at a tenth of the users, bursts to all of them for the middle fifth
# (40 % to 60 % of the duration), then falls back.
SPIKE_BASELINE_FRACTION = 0.1
SPIKE_WINDOW = (0.4, 0.6)
# Stairs: four equal steps (fewer when there are fewer users than steps).
DEFAULT_STEPS = 4

Tick = tuple[int, float]


@dataclass(frozen=True)
class Plan:
    """A profile applied to a test's size. ``spawn_rate`` None lets the profile choose:
    "sudden" changes (constant start, spike burst, stairs) land within about a second."""

    profile: ProfileName
    virtual_users: int
    duration_s: float
    spawn_rate: float | None = None

    def __post_init__(self) -> None:
        if self.virtual_users < 1 or self.duration_s <= 0:
            raise ValueError("a plan needs at least one user and a positive duration")
        if self.spawn_rate is not None and self.spawn_rate <= 0:
            raise ValueError("spawn_rate must be positive")

    def at(self, t: float) -> Tick | None:
        """``(users, spawn_rate)`` wanted at ``t`` seconds, ``None`` when the test is over."""
        if t >= self.duration_s:
            return None
        t = max(t, 0.0)
        if self.profile == "constant":
            return self.virtual_users, self._rate(self.virtual_users)
        if self.profile == "ramp":
            return self._ramp(t)
        if self.profile == "spike":
            return self._spike(t)
        return self._step(t)

    @property
    def peak_users(self) -> int:
        return self.virtual_users

    def _rate(self, sudden_users: float) -> float:
        # The spawn rate that makes a change of `sudden_users` take about one second.
        return self.spawn_rate if self.spawn_rate is not None else max(1.0, float(sudden_users))

    def _ramp(self, t: float) -> Tick:
        users = self.virtual_users
        if self.spawn_rate is not None:
            ramp_s = min(users / self.spawn_rate, self.duration_s)
        else:
            ramp_s = self.duration_s * RAMP_FRACTION
        if ramp_s <= 0 or t >= ramp_s:
            return users, self._rate(users / max(ramp_s, 1.0))
        # At least one user from the first tick, so a ramp never starts with an idle second.
        target = min(users, max(1, math.ceil(users * t / ramp_s)))
        return target, self._rate(users / ramp_s)

    def _spike(self, t: float) -> Tick:
        users = self.virtual_users
        baseline = min(users, max(1, math.ceil(users * SPIKE_BASELINE_FRACTION)))
        start = self.duration_s * SPIKE_WINDOW[0]
        end = max(self.duration_s * SPIKE_WINDOW[1], min(start + 1.0, self.duration_s))
        if start <= t < end:
            return users, self._rate(users - baseline)
        return baseline, self._rate(users - baseline)

    def _step(self, t: float) -> Tick:
        users = self.virtual_users
        steps = max(1, min(DEFAULT_STEPS, users))
        step_s = self.duration_s / steps
        k = min(steps, int(t // step_s) + 1)
        return math.ceil(users * k / steps), self._rate(users / steps)

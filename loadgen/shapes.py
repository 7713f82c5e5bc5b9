"""The load profiles as Locust ``LoadTestShape`` objects (imports Locust: driver only).

The arithmetic lives in :mod:`loadgen.profiles`; a shape only asks its plan what to do at
the current run time. Locust calls ``tick()`` about once a second from its shape greenlet.
"""

from __future__ import annotations

from locust import LoadTestShape

from loadgen.config import LoadConfig
from loadgen.profiles import Plan, Tick


class ProfileShape(LoadTestShape):
    """Base of the four shapes: ``tick()`` is ``plan.at(run time)``."""

    abstract = True
    profile: str = ""

    def __init__(self, virtual_users: int, duration_s: float, spawn_rate: float | None = None):
        super().__init__()
        self.plan = Plan(self.profile, virtual_users, duration_s, spawn_rate)  # type: ignore[arg-type]

    def tick(self) -> Tick | None:
        return self.plan.at(self.get_run_time())


class ConstantShape(ProfileShape):
    """All users after a short spawn, held for the whole duration."""

    profile = "constant"


class RampShape(ProfileShape):
    """Linear climb to all users (over ``users / spawn_rate`` s, or half the test), then hold."""

    profile = "ramp"


class SpikeShape(ProfileShape):
    """A tenth of the users, a sudden burst to all of them mid-test, then back."""

    profile = "spike"


class StepShape(ProfileShape):
    """Stairs: a quarter of the users more at each of four equal steps."""

    profile = "step"


SHAPES: dict[str, type[ProfileShape]] = {
    cls.profile: cls for cls in (ConstantShape, RampShape, SpikeShape, StepShape)
}


def shape_for(config: LoadConfig) -> ProfileShape:
    """The shape instance for ``config``'s profile, size, duration and spawn rate."""
    return SHAPES[config.profile](config.virtual_users, config.duration_secs, config.spawn_rate)

"""The four load profiles, as the ticks Locust's shape greenlet will see."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from loadgen.profiles import Plan


def users(plan: Plan, times: list[float]) -> list[int | None]:
    return [None if (tick := plan.at(t)) is None else tick[0] for t in times]


def test_constant_holds_every_user_from_the_start_until_the_end() -> None:
    plan = Plan("constant", virtual_users=10, duration_s=5)
    assert users(plan, [0, 1, 4.9, 5, 6]) == [10, 10, 10, None, None]
    assert plan.at(0) == (10, 10.0)  # all users within about a second


def test_constant_uses_the_given_spawn_rate() -> None:
    assert Plan("constant", 10, 5, spawn_rate=2).at(0) == (10, 2)


def test_ramp_climbs_linearly_during_the_first_half_then_holds() -> None:
    plan = Plan("ramp", virtual_users=10, duration_s=10)
    assert users(plan, [0, 1, 2, 3, 4, 5, 7, 9.9, 10]) == [1, 2, 4, 6, 8, 10, 10, 10, None]
    assert all(tick[1] == 2.0 for t in range(10) if (tick := plan.at(t)))


def test_ramp_with_a_spawn_rate_climbs_at_that_rate() -> None:
    plan = Plan("ramp", virtual_users=10, duration_s=20, spawn_rate=1)
    assert users(plan, [0, 3, 9, 10, 19]) == [1, 3, 9, 10, 10]


def test_spike_bursts_to_all_users_in_the_middle_fifth_then_falls_back() -> None:
    plan = Plan("spike", virtual_users=50, duration_s=10)
    assert users(plan, [0, 3.9, 4, 5, 5.9, 6, 9]) == [5, 5, 50, 50, 50, 5, 5]
    assert plan.at(4) == (50, 45.0)  # sudden: the burst lands within about a second


def test_spike_window_is_at_least_a_second_on_short_tests() -> None:
    plan = Plan("spike", virtual_users=20, duration_s=2)
    assert users(plan, [0, 0.8, 1.7, 1.9]) == [2, 20, 20, 2]


def test_step_climbs_four_equal_stairs() -> None:
    plan = Plan("step", virtual_users=8, duration_s=8)
    assert users(plan, [0, 1.9, 2, 4, 6, 7.9, 8]) == [2, 2, 4, 6, 8, 8, None]


def test_step_with_fewer_users_than_stairs_uses_one_stair_per_user() -> None:
    plan = Plan("step", virtual_users=2, duration_s=4)
    assert users(plan, [0, 1.9, 2, 3.9]) == [1, 1, 2, 2]


@pytest.mark.parametrize(
    ("field", "value"), [("virtual_users", 0), ("duration_s", 0), ("spawn_rate", -1)]
)
def test_a_plan_rejects_nonsense(field: str, value: float) -> None:
    args = {"profile": "constant", "virtual_users": 1, "duration_s": 1.0, "spawn_rate": None}
    args[field] = value
    with pytest.raises(ValueError):
        Plan(**args)  # type: ignore[arg-type]


def test_locust_shapes_tick_as_their_plans() -> None:
    # Locust patches the standard library on import: ask a separate interpreter.
    script = textwrap.dedent(
        """
        import json
        from loadgen.config import LoadConfig
        from loadgen.shapes import SHAPES, shape_for
        from locust import LoadTestShape

        out = {}
        for profile in SHAPES:
            config = LoadConfig(base_url="http://127.0.0.1:1", virtual_users=10,
                duration_secs=10, profile=profile,
                suites=[{"name": "s", "steps": [{"name": "a", "request": {"path": "/"}}]}])
            shape = shape_for(config)
            assert isinstance(shape, LoadTestShape)
            ticks = []
            for t in (0, 2.5, 4.5, 7.5, 10):
                shape.get_run_time = lambda t=t: t
                ticks.append(shape.tick())
            out[profile] = ticks
        print(json.dumps(out))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    ticks = json.loads(done.stdout)
    for profile, seen in ticks.items():
        plan = Plan(profile, 10, 10)
        expected = [plan.at(t) for t in (0, 2.5, 4.5, 7.5, 10)]
        assert [tuple(t) if t else None for t in seen] == expected, profile

"""The load-test settings: defaults, bounds, and distributed mode's need for Redis."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from core.settings import Settings


def test_load_tests_default_to_local_workers_on_loopback(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.load_workers == 0 and not settings.load_distributed
    assert settings.load_max_workers == 64 and settings.load_max_error_rate == 0.5
    assert settings.load_master_port == 0


def test_distributed_load_tests_need_redis(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="GAUNTLET_LOAD_DISTRIBUTED needs GAUNTLET_REDIS_URL"):
        Settings(data_dir=tmp_path, load_distributed=True)
    assert Settings(data_dir=tmp_path, load_distributed=True, redis_url="redis://r").scaled


@pytest.mark.parametrize(
    "field", [{"load_max_error_rate": 1.5}, {"load_max_workers": 0}, {"load_workers": -1}]
)
def test_load_settings_out_of_bounds_are_refused(tmp_path: Path, field: dict) -> None:
    with pytest.raises(ValidationError):
        Settings(data_dir=tmp_path, **field)

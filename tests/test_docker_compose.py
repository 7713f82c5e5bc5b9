"""docker-compose.yml and the Dockerfile, checked without a Docker engine: the compose
file against the Compose Specification's schema, every command against the real CLI."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
# Vendored from the check-jsonschema package; its "$comment" says where it came from.
COMPOSE_SCHEMA = Path(__file__).resolve().parent / "support" / "compose-spec.json"
GAUNTLET_SERVICES = ("api", "worker", "loadgen-worker")
SCALABLE_SERVICES = ("worker", "loadgen-worker")
DATABASE_URL = "postgresql+psycopg://gauntlet:gauntlet@postgres:5432/gauntlet"
REDIS_URL = "redis://redis:6379/0"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def service(compose: dict[str, Any], name: str) -> dict[str, Any]:
    services = compose["services"]
    assert name in services, f"docker-compose.yml has no service {name!r}"
    return dict(services[name])


def test_compose_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)

    problems = [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message}"
        for error in validator.iter_errors(compose)
    ]

    assert problems == []


def test_the_schema_rejects_a_broken_compose_file(compose: dict[str, Any]) -> None:
    # Guards the guard: a schema that accepts anything would pass the test above.
    broken = {**compose, "services": {"api": {"image": "x", "ports": "8000:8000"}}}
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))

    assert not jsonschema.Draft202012Validator(schema).is_valid(broken)


@pytest.mark.parametrize("name", GAUNTLET_SERVICES)
def test_service_command_is_a_real_cli_command(compose: dict[str, Any], name: str) -> None:
    from orchestrator.cli import app

    command = service(compose, name)["command"]
    assert isinstance(command, list), "use the exec (list) form: no shell in between"
    assert command[0] == "gauntlet"

    # --help is eager: it exits 0 once the command and every option name are known,
    # before any option value is used, so nothing is started.
    result = CliRunner().invoke(app, [*command[1:], "--help"])

    assert result.exit_code == 0, f"`{' '.join(command)}`: {result.output}"


@pytest.mark.parametrize("name", GAUNTLET_SERVICES)
def test_service_is_configured_for_the_compose_network(compose: dict[str, Any], name: str) -> None:
    environment = service(compose, name)["environment"]

    assert environment["GAUNTLET_DATABASE_URL"] == DATABASE_URL
    assert environment["GAUNTLET_REDIS_URL"] == REDIS_URL


@pytest.mark.parametrize("name", ("api", "worker"))
def test_service_starts_only_once_its_stores_are_healthy(
    compose: dict[str, Any], name: str
) -> None:
    depends_on = service(compose, name)["depends_on"]

    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", SCALABLE_SERVICES)
def test_service_can_be_scaled(compose: dict[str, Any], name: str) -> None:
    # `docker compose up --scale` refuses a fixed container name, and replicas cannot
    # all publish the same host port.
    definition = service(compose, name)

    assert "container_name" not in definition
    assert "ports" not in definition


def test_a_worker_replica_is_one_process_whatever_the_host(compose: dict[str, Any]) -> None:
    # A worker left to its default starts one process per core it sees, and a container
    # sees the host's: `--scale worker=N` would start N times the host's cores.
    environment = service(compose, "worker")["environment"]
    settings = Settings(**{"worker_processes": environment["GAUNTLET_WORKER_PROCESSES"]})
    assert settings.worker_processes == 1


def test_stores_have_healthchecks_and_postgres_keeps_its_data(compose: dict[str, Any]) -> None:
    postgres = service(compose, "postgres")
    redis = service(compose, "redis")

    assert postgres["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    volume = postgres["volumes"][0].split(":")[0]
    assert volume in compose["volumes"], "postgres data must live in a named volume"
    assert redis["image"].startswith("redis:7")
    assert "healthcheck" in redis


def test_api_publishes_port_8000_and_checks_readyz(compose: dict[str, Any]) -> None:
    api = service(compose, "api")

    assert "8000:8000" in api["ports"]
    assert "/readyz" in " ".join(api["healthcheck"]["test"])


def test_dockerfile_copies_every_package_the_project_installs() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {pattern.rstrip("*") for pattern in patterns}
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    copied = set(re.findall(r"^COPY\s+(\w+)\s", dockerfile, flags=re.MULTILINE))
    placeholder_loop = re.search(r"for pkg in ([\w ]+);", dockerfile)

    assert packages <= copied, f"Dockerfile does not copy {sorted(packages - copied)}"
    # The dependency layer installs empty stand-ins for the same packages.
    assert placeholder_loop is not None
    assert set(placeholder_loop.group(1).split()) == packages


def test_loadgen_workers_find_their_master_through_redis_not_a_shared_name(
    compose: dict[str, Any],
) -> None:
    # A name like `worker` resolves to any worker replica, and only one runs a given
    # load test's master: the loadgen workers must learn each master's own address.
    worker = service(compose, "worker")["environment"]
    loadgen = service(compose, "loadgen-worker")

    assert worker["GAUNTLET_LOAD_DISTRIBUTED"] == "true"
    assert worker["GAUNTLET_LOAD_MASTER_BIND_HOST"] == "0.0.0.0"
    assert loadgen["command"] == ["gauntlet", "loadgen-worker"]
    assert loadgen["depends_on"]["redis"]["condition"] == "service_healthy"

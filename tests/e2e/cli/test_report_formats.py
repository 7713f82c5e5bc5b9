"""The API serves a run's reports (``?format=`` or ``Accept``) and a load test's
thresholds as JUnit; without either, the envelope as before."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import httpx
import pytest

from tests.e2e.cli.suites import failing_suite
from tests.support.api_server import Api
from tests.support.factories import admin_client, create_app_with_suites, health_suite
from tests.support.jobs import run_suites
from tests.support.pets_target import PetsTarget


@pytest.fixture
def run_path(http: httpx.Client, target: PetsTarget) -> str:
    app, _ = create_app_with_suites(http, target.url, health_suite(), failing_suite())
    job = run_suites(http, app)
    return f"/apps/{app}/test-runs/{job['result']['test_run_id']}"


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/xml", "application/xml"),
        ("text/xml", "application/xml"),
        ("text/html", "text/html"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
        ("application/vnd.gauntlet.run-report+json", "application/vnd.gauntlet.run-report+json"),
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        ("application/json;q=0.5, application/xml", "application/xml"),
        ("image/png", "application/json"),
    ],
)
def test_accept_chooses_the_representation(
    http: httpx.Client, run_path: str, accept: str, media_type: str
) -> None:
    response = http.get(run_path, headers={"Accept": accept})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert "accept" in response.headers["vary"].lower()


def test_envelope_stays_the_default_and_reports_are_documents(
    http: httpx.Client, run_path: str
) -> None:
    plain = http.get(run_path).json()
    assert plain["data"]["status"] == "FAILED" and "meta" in plain

    report = http.get(run_path, params={"format": "json"}).json()
    assert report["format"] == "gauntlet.run-report/1" and "meta" not in report
    junit = http.get(run_path, params={"format": "junit"})
    assert ET.fromstring(junit.content).get("failures") == "1"
    assert 'filename="gauntlet-run_' in junit.headers["content-disposition"]
    page = http.get(run_path, params={"format": "html"})
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert b"<!DOCTYPE html>" in page.content


def test_query_format_wins_over_accept_and_an_unknown_one_is_400(
    http: httpx.Client, run_path: str
) -> None:
    response = http.get(run_path, params={"format": "junit"}, headers={"Accept": "text/html"})
    assert response.headers["content-type"].startswith("application/xml")
    bad = http.get(run_path, params={"format": "pdf"})
    assert bad.status_code == 400
    assert bad.json()["error"]["details"][0]["field"] == "query.format"


def test_reports_of_another_organizations_run_are_404(run_path: str, serve: Api) -> None:
    with admin_client(serve) as other:
        for format_ in ("json", "junit", "html"):
            response = other.get(run_path, params={"format": format_})
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "RESOURCE_NOT_FOUND"

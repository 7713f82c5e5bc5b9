"""Coverage of a real run: generated suites run against the pets API, their observed
calls fed to compute_coverage."""

from __future__ import annotations

from actors.coverage import ObservedCall, compute_coverage
from actors.generate import generate_suites
from runner import TargetClient, run_suite
from tests.support.live_server import LiveServer
from tests.support.strict_pets_app import create_app


def test_running_the_generated_suites_exercises_every_operations_success_and_more() -> None:
    document = create_app().openapi()
    result = generate_suites(document, max_test_suites=200, max_candidates=200)
    live = LiveServer(create_app()).start()
    observed: list[ObservedCall] = []
    try:
        with TargetClient() as client:
            for generated in result.suites:
                outcome = run_suite(generated.suite, base_url=live.url, client=client)
                observed.extend(
                    ObservedCall(method=step.request.method, path=step.request.url,
                                 status=step.response.status if step.response else None)
                    for step in outcome.steps if step.request is not None
                )  # fmt: skip
    finally:
        live.stop()

    report = compute_coverage(document, [g.suite for g in result.suites], observed)

    assert report.uncovered == []
    assert report.unmatched_calls == []
    get_pet = next(d for d in report.operations if (d.method, d.path) == ("GET", "/pets/{petId}"))
    assert set(get_pet.exercised) == {"200", "404", "422"}
    for detail in report.operations:
        assert any(code.startswith("2") for code in detail.exercised), detail

"""The dashboard in a real headless Chromium, as a user sees it: signed in by a link, jobs
appearing and finishing live, a job's tail growing (and resuming after a cut), a run's
failing step, a load test's charts moving, the Ops panel, a narrow screen, the keyboard
and dark mode. Every test fails on a JavaScript console error (the ``browser`` fixture).

With ``GAUNTLET_SCREENSHOT_DIR=docs/screenshots`` the screenshots of the README are
refreshed from these tests.
"""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Org, sign_in
from tests.support.api_server import Api
from tests.support.browser import NARROW_SIZE, Browser
from tests.support.factories import crud_suite, health_suite
from tests.support.pets_target import PetsTarget
from tests.support.tcp_proxy import TcpProxy

# Long enough to watch (a slow target makes each step take ~20 ms), short enough for CI.
WATCHED_STEPS = 120
SLOW_STEP_MS = 20


def broken_suite() -> dict[str, Any]:
    """The CRUD suite with a read step whose JSON assertion cannot pass."""
    suite = crud_suite("pets: read returns the wrong name")
    suite["steps"][1]["assertions"].append(
        {"type": "json_path", "path": "$.name", "op": "eq", "expected": "max"}
    )
    return suite


def job_row_status(browser: Browser, job_id: str) -> str | None:
    return browser.run(  # type: ignore[no-any-return]
        "const r = document.querySelector(`tr[data-job-id='${arguments[0]}']`);"
        "return r ? r.dataset.status : null",
        job_id,
    )


def tail_seqs(browser: Browser) -> list[int]:
    return [
        int(s)
        for s in browser.run(
            "return [...document.querySelectorAll('#tail-lines li')].map(li => li.dataset.seq)"
        )
    ]


def test_a_link_with_the_key_signs_in_and_leaves_no_key_behind(
    browser: Browser, api: Api, org: Org
) -> None:
    sign_in(browser, api, org)
    href = browser.run("return window.location.href")
    assert org.key not in href
    assert href.endswith("/dashboard#/jobs")
    assert browser.run("return sessionStorage.getItem('gauntlet.apiKey')") == org.key
    assert browser.run("return document.cookie") == ""
    assert browser.run("return localStorage.getItem('gauntlet.apiKey')") is None


def test_a_submitted_job_appears_and_turns_completed_without_reload(
    browser: Browser, api: Api, org: Org, target: PetsTarget
) -> None:
    app_id = org.add_app(target, crud_suite())
    sign_in(browser, api, org)
    browser.wait_for(
        lambda: browser.run(
            "return document.querySelector('#main').dataset.ready === 'jobs' && document.querySelector('#feed-state').classList.contains('live')"
        ),
        "the live jobs table",
    )
    browser.run("window.__sameDocument = true")

    job_id = org.submit(f"/apps/{app_id}/test-suites/run", {})["job_id"]

    browser.wait_for(lambda: job_row_status(browser, job_id), "the new job's row")
    browser.wait_for(
        lambda: job_row_status(browser, job_id) == "COMPLETED", "the job to turn COMPLETED"
    )
    assert browser.run("return window.__sameDocument") is True
    browser.screenshot("dashboard-jobs")


def test_the_jobs_table_filters_by_app_type_and_status(
    browser: Browser, api: Api, org: Org, target: PetsTarget
) -> None:
    first = org.add_app(target, health_suite())
    second = org.add_app(target, health_suite())
    wanted = org.submit(f"/apps/{first}/test-suites/run", {})["job_id"]
    other = org.submit(f"/apps/{second}/test-suites/run", {})["job_id"]
    sign_in(browser, api, org, f"#/jobs?app={first}&type=RUN")
    browser.wait_for(lambda: job_row_status(browser, wanted), "the first app's job")
    assert job_row_status(browser, other) is None
    assert browser.run("return document.querySelector('#filter-app').value") == first


def test_a_job_detail_shows_its_tail_growing_live(
    browser: Browser, api: Api, org: Org, target: PetsTarget
) -> None:
    app_id = org.add_app(target, health_suite(steps=WATCHED_STEPS))
    target.slow_ms = SLOW_STEP_MS
    try:
        job_id = org.submit(f"/apps/{app_id}/test-suites/run", {})["job_id"]
        sign_in(browser, api, org, f"#/jobs/{job_id}")
        first = browser.wait_for(lambda: len(tail_seqs(browser)), "the first events")
        browser.wait_for(lambda: len(tail_seqs(browser)) > first + 10, "the tail to grow")
        assert browser.text("#tail-state") == "(live)"
        browser.screenshot("dashboard-job")
    finally:
        target.slow_ms = 0
    browser.wait_for(
        lambda: browser.text("#tail-state") == "(ended)", "the tail to end", timeout=60
    )
    seqs = tail_seqs(browser)
    assert seqs == list(range(1, len(seqs) + 1))
    assert "COMPLETED" in browser.text("#job-facts")


def test_a_cut_tail_resumes_after_the_last_event_it_had(
    browser: Browser, api: Api, org: Org, target: PetsTarget
) -> None:
    proxy = TcpProxy(api.server.port).start()
    app_id = org.add_app(target, health_suite(steps=WATCHED_STEPS))
    target.slow_ms = SLOW_STEP_MS
    try:
        job_id = org.submit(f"/apps/{app_id}/test-suites/run", {})["job_id"]
        sign_in(browser, Api(url=proxy.url, runtime=api.runtime, server=api.server), org)
        browser.run("window.location.hash = arguments[0]", f"#/jobs/{job_id}")
        browser.wait_for(lambda: len(tail_seqs(browser)) > 5, "the first events")
        assert proxy.cut() > 0
        browser.wait_for(lambda: browser.count("#tail-state[data-resumes]"), "the tail to resume")
    finally:
        target.slow_ms = 0
    browser.wait_for(
        lambda: browser.text("#tail-state") == "(ended)", "the tail to end", timeout=60
    )
    seqs = tail_seqs(browser)
    # Every event exactly once, in order: resumed with after=<last seq>, no gap, no repeat.
    assert seqs == list(range(1, len(seqs) + 1))
    assert len(seqs) >= WATCHED_STEPS
    # The cut streams' failed loads are the browser reporting what the test did.
    assert browser.expect_errors("net::ERR_INCOMPLETE_CHUNKED_ENCODING") >= 1
    proxy.stop()


def test_a_run_report_shows_each_failing_step_with_request_response_and_assertions(
    browser: Browser, api: Api, org: Org, target: PetsTarget
) -> None:
    app_id = org.add_app(target, crud_suite(), broken_suite())
    job_id = org.submit(f"/apps/{app_id}/test-suites/run", {})["job_id"]
    sign_in(browser, api, org, f"#/jobs/{job_id}")
    browser.wait_for(lambda: "FAILED" in browser.text("#job-facts"), "the run to fail")
    browser.wait_for(lambda: browser.count("a[href^='#/runs/']"), "the link to the report")
    browser.run("document.querySelector(\"a[href^='#/runs/']\").click()")
    browser.wait_for(lambda: browser.count(".step"), "the failing step")
    step = browser.text(".step")
    assert "Step 2: read" in step
    assert "GET " in step and "/pets/" in step  # the request as sent
    assert "200" in step  # the response as received
    assert "max" in step and "rex" in step  # expected and actual of the failing assertion
    assert "pets crud" in browser.text("#reports")  # the passing suite, listed
    browser.screenshot("dashboard-run")


def test_a_load_test_chart_updates_live_then_shows_the_report(
    browser: Browser, api: Api, org: Org, target: PetsTarget
) -> None:
    app_id = org.add_app(target, health_suite())
    accepted = org.submit(
        f"/apps/{app_id}/load-tests",
        {
            "virtual_users": 2,
            "duration_secs": 6,
            "thresholds": [{"metric": "p95_ms", "op": "lte", "value": 500}],
        },
    )
    sign_in(browser, api, org, f"#/load-tests/{app_id}/{accepted['load_test_id']}")

    def points() -> int:
        return int(
            browser.run(
                "const s = document.querySelector(\"figure[data-chart='Requests per second'] svg\"); return s ? Number(s.dataset.points || 0) : 0"
            )
        )

    browser.wait_for(lambda: points() >= 1, "the first load.stats point", timeout=60)
    first = points()
    browser.wait_for(lambda: points() > first, "the chart to move")
    assert browser.text("#load-state") == "(live)"
    browser.screenshot("dashboard-load-test")
    browser.wait_for(lambda: browser.count("#endpoints table"), "the final report", timeout=60)
    assert "GET /health" in browser.text("#endpoints")
    assert "pass" in browser.text("#main")  # the threshold's verdict


def test_the_ops_panel_shows_the_live_worker_and_the_queue(
    browser: Browser, api: Api, org: Org, target: PetsTarget
) -> None:
    app_id = org.add_app(target, health_suite())
    sign_in(browser, api, org, "#/ops")
    browser.wait_for(
        lambda: browser.run("return document.querySelector('#main').dataset.ready === 'ops'"),
        "the ops panel",
    )
    assert browser.text("#ops-workers-alive").startswith("1")
    assert "alive" in browser.text("#ops-workers")
    assert "LOAD_TEST" in browser.text("#ops-queue")
    # An event seen on the feed gives the lag card a figure.
    org.submit(f"/apps/{app_id}/test-suites/run", {})
    browser.wait_for(lambda: " ms" in browser.text("#ops-lag"), "an event lag figure")
    browser.screenshot("dashboard-ops")


def test_on_a_narrow_screen_rows_become_cards_without_sideways_scrolling(
    browser: Browser, api: Api, org: Org, target: PetsTarget
) -> None:
    app_id = org.add_app(target, health_suite())
    job_id = org.submit(f"/apps/{app_id}/test-suites/run", {})["job_id"]
    browser.resize(*NARROW_SIZE)
    sign_in(browser, api, org)
    browser.wait_for(lambda: job_row_status(browser, job_id), "the job's row")
    assert browser.run("return document.documentElement.scrollWidth <= window.innerWidth")
    assert (
        browser.run(
            "return getComputedStyle(document.querySelector('#jobs-table tr[data-job-id]')).display"
        )
        == "block"
    )
    browser.screenshot("dashboard-narrow")


def test_the_keyboard_reaches_a_job_and_opens_it(
    browser: Browser, api: Api, org: Org, target: PetsTarget
) -> None:
    from selenium.webdriver.common.keys import Keys

    app_id = org.add_app(target, health_suite())
    job_id = org.submit(f"/apps/{app_id}/test-suites/run", {})["job_id"]
    sign_in(browser, api, org)
    browser.wait_for(lambda: job_row_status(browser, job_id), "the job's row")
    body = browser.driver.switch_to.active_element
    for _ in range(40):
        body.send_keys(Keys.TAB)
        body = browser.driver.switch_to.active_element
        if body.get_attribute("href") and job_id in body.get_attribute("href"):
            break
    else:
        raise AssertionError("Tab never reached the job's link")
    body.send_keys(Keys.ENTER)
    browser.wait_for(lambda: job_id in browser.text("h1"), "the job's page")


def test_dark_mode_is_dark_and_remembered(
    browser: Browser, api: Api, org: Org, target: PetsTarget
) -> None:
    app_id = org.add_app(target, health_suite())
    org.submit(f"/apps/{app_id}/test-suites/run", {})
    sign_in(browser, api, org)
    browser.run(
        "document.documentElement.dataset.theme = 'light'; localStorage.setItem('gauntlet.theme', 'light')"
    )
    browser.run("document.querySelector('#theme').click()")

    def luminance(css: str) -> float:
        rgb = browser.run(
            f"return getComputedStyle(document.querySelector('{css}')).{'backgroundColor' if css == 'body' else 'color'}"
        )
        r, g, b = (int(v) for v in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3])
        return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255

    assert browser.run("return document.documentElement.dataset.theme") == "dark"
    assert luminance("body") < 0.2
    assert luminance("h1") > 0.7
    browser.wait_for(lambda: browser.count("tr[data-job-id]"), "the jobs")
    browser.screenshot("dashboard-dark")
    browser.driver.refresh()
    browser.wait_for(
        lambda: browser.run("return document.documentElement.dataset.theme") == "dark",
        "the theme to be remembered",
    )

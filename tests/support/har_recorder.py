"""Recording a HAR file with headless Chromium, as a user's browser would save one.

Chromium's DevTools Protocol reports every request and response to Selenium's
performance log (``Network.requestWillBeSent``, ``Network.responseReceived``,
``Network.loadingFinished``); response bodies come from ``Network.getResponseBody``.
:func:`record` turns them into HAR 1.2, the format browsers export from their network
panel.

:func:`record_pets_session` is the recording the tests import: the browser opens the
pets target's ``/health`` page, then the page's script lists, creates, reads and deletes
a pet with ``fetch()`` and reads it once more (404), as a web app would. To refresh the
committed fixture (``tests/data/har/pets-chromium.har``)::

    .venv/bin/python -m tests.support.har_recorder tests/data/har/pets-chromium.har
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.support.browser import CHROMIUM_PACKAGES, chromium_arguments, chromium_binaries

# What the page does once loaded: the calls a small web app makes to its API.
PETS_SCRIPT = """
const done = arguments[arguments.length - 1];
(async () => {
  const json = {"Content-Type": "application/json", "Accept": "application/json"};
  await fetch("/pets", {headers: {"Accept": "application/json"}});
  const created = await (await fetch("/pets", {method: "POST", headers: json,
                                               body: JSON.stringify({name: "rex"})})).json();
  await fetch(`/pets/${created.id}`, {headers: {"Accept": "application/json"}});
  await fetch(`/pets/${created.id}`, {method: "DELETE"});
  await fetch(`/pets/${created.id}`, {headers: {"Accept": "application/json"}});
  done(created.id);
})().catch((error) => done(String(error)));
"""


def _start(profile: Path) -> Any:
    binaries = chromium_binaries()
    if binaries is None:
        raise RuntimeError(f"needs {' and '.join(CHROMIUM_PACKAGES)} (apt-get install)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = binaries
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in chromium_arguments(profile):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.set_script_timeout(30)
    driver.execute_cdp_cmd("Network.enable", {})
    return driver


def _headers(headers: dict[str, Any]) -> list[dict[str, str]]:
    return [{"name": str(k), "value": str(v)} for k, v in headers.items()]


def _entries(driver: Any) -> list[dict[str, Any]]:
    """HAR entries from the performance log collected so far."""
    requests: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    for item in driver.get_log("performance"):
        message = json.loads(item["message"])["message"]
        method, params = message.get("method"), message.get("params", {})
        request_id = params.get("requestId")
        if method == "Network.requestWillBeSent":
            if request_id in requests and params.get("redirectResponse"):
                # The same id carries on after a redirect: keep the hop as its own entry.
                hop = requests.pop(request_id)
                hop["response"] = params["redirectResponse"]
                requests[f"{request_id}#{len(order)}"] = hop
                order[order.index(request_id)] = f"{request_id}#{len(order)}"
            requests[request_id] = {"sent": params}
            order.append(request_id)
        elif method == "Network.responseReceived" and request_id in requests:
            requests[request_id]["response"] = params["response"]
        elif method == "Network.loadingFinished" and request_id in requests:
            requests[request_id]["finished"] = params
    entries = []
    for request_id in order:
        record = requests[request_id]
        sent, response = record["sent"], record.get("response")
        request = sent["request"]
        url = request["url"]
        body = ""
        if response is not None and "#" not in request_id:
            try:
                got = driver.execute_cdp_cmd("Network.getResponseBody", {"requestId": request_id})
                body = got.get("body", "")
            except Exception:  # no body (204, redirect) or already gone
                body = ""
        started = datetime.fromtimestamp(sent["wallTime"], UTC)
        entry: dict[str, Any] = {
            "startedDateTime": started.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "time": 0,
            "request": {
                "method": request["method"],
                "url": url,
                "httpVersion": "HTTP/1.1",
                "headers": _headers(request.get("headers", {})),
                "queryString": [
                    {"name": k, "value": v}
                    for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)
                ],
                "cookies": [],
                "headersSize": -1,
                "bodySize": len(request.get("postData", "")),
            },
            "response": {
                "status": response["status"] if response else 0,
                "statusText": response.get("statusText", "") if response else "",
                "httpVersion": (response or {}).get("protocol", "http/1.1").upper(),
                "headers": _headers((response or {}).get("headers", {})),
                "cookies": [],
                "content": {
                    "size": len(body),
                    "mimeType": (response or {}).get("mimeType", ""),
                    "text": body,
                },
                "redirectURL": (response or {}).get("headers", {}).get("Location", ""),
                "headersSize": -1,
                "bodySize": len(body),
            },
            "cache": {},
            "timings": {"send": 0, "wait": 0, "receive": 0},
        }
        if "postData" in request:
            content_type = request.get("headers", {}).get("Content-Type", "")
            entry["request"]["postData"] = {"mimeType": content_type, "text": request["postData"]}
        entries.append(entry)
    return entries


def record(url: str, script: str | None = None) -> dict[str, Any]:
    """Open ``url`` in headless Chromium, run ``script`` (asynchronous, Selenium style) in
    the page, and return what the browser sent and received as a HAR document."""
    profile = Path(tempfile.mkdtemp(prefix="gauntlet-har-"))
    driver = _start(profile)
    try:
        driver.get_log("performance")  # the start page's requests are not the recording's
        driver.get(url)
        if script:
            driver.execute_async_script(script)
        entries = _entries(driver)
        version = driver.capabilities.get("browserVersion", "")
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "gauntlet tests/support/har_recorder.py", "version": "1"},
            "browser": {"name": "Chromium", "version": version},
            "pages": [],
            "entries": entries,
        }
    }


def record_pets_session(target_url: str) -> dict[str, Any]:
    """The recording the tests import (see the module docstring)."""
    return record(f"{target_url}/health", PETS_SCRIPT)


def _main(out: str, run: Callable[[str], dict[str, Any]] = record_pets_session) -> None:
    from tests.support.pets_target import PetsTarget

    target = PetsTarget().start()
    try:
        document = run(target.url)
    finally:
        target.stop()
    Path(out).write_text(json.dumps(document, indent=2) + "\n")
    print(f"recorded {len(document['log']['entries'])} requests into {out}")


if __name__ == "__main__":
    _main(sys.argv[1])

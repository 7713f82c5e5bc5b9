"""A real headless Chromium for browser tests: Debian's ``chromium`` driven through its
``chromium-driver`` by Selenium. Nothing is downloaded: without both binaries a test that
needs the browser is skipped on a laptop and fails in CI (``CI=true``).

Every browser starts with a fresh profile directory (so ``sessionStorage`` and caches
never leak between tests) and without background traffic (component updates, sync,
first-run pages): the only requests it sends are the ones the page makes. The
``browser`` fixture fails a test whose page logged any JavaScript console error.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tests.support.services import skip_or_fail

# Debian's package names, for the message of a skip or a failure.
CHROMIUM_PACKAGES = ("chromium", "chromium-driver")
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser")
SCREENSHOT_DIR_ENV = "GAUNTLET_SCREENSHOT_DIR"
DESKTOP_SIZE = (1280, 800)
NARROW_SIZE = (390, 844)
# A wait in a browser test is a poll with a deadline, never a fixed sleep.
DEFAULT_WAIT_S = 20.0
POLL_S = 0.05

T = TypeVar("T")


def chromium_binaries() -> tuple[str, str] | None:
    """``(chromium, chromedriver)`` paths, or None when either is missing."""
    browser = next((p for p in map(shutil.which, CHROMIUM_CANDIDATES) if p), None)
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


def missing_packages() -> list[str]:
    """Debian packages to install for the browser tests, if any."""
    missing = []
    if not any(shutil.which(name) for name in CHROMIUM_CANDIDATES):
        missing.append("chromium")
    if shutil.which("chromedriver") is None:
        missing.append("chromium-driver")
    return missing


def chromium_arguments(profile_dir: Path, size: tuple[int, int] = DESKTOP_SIZE) -> list[str]:
    """Headless, sandbox off (tests run as root in CI), no background networking."""
    return [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--no-first-run",
        "--no-default-browser-check",
        "--hide-scrollbars",
        f"--window-size={size[0]},{size[1]}",
        f"--user-data-dir={profile_dir}",
    ]


@dataclass
class Browser:
    """A Selenium driver plus the few things the tests do with it."""

    driver: Any  # selenium.webdriver.Chrome; Any keeps selenium out of the import path
    screenshot_dir: Path
    errors: list[str] = field(default_factory=list)

    def open(self, url: str) -> None:
        self.driver.get(url)

    def run(self, script: str, *args: Any) -> Any:
        """``return …`` JavaScript in the page and its value."""
        return self.driver.execute_script(script, *args)

    def wait_for(
        self, probe: Callable[[], T | None], what: str, timeout: float = DEFAULT_WAIT_S
    ) -> T:
        """Poll ``probe`` until it returns something truthy; fail saying ``what`` otherwise."""
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while True:
            try:
                value = probe()
            except Exception as exc:  # the element may be re-rendered between two calls
                value, last_error = None, exc
            if value:
                return value
            if time.monotonic() > deadline:
                detail = f" (last error: {last_error})" if last_error else ""
                raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{detail}")
            time.sleep(POLL_S)

    def text(self, css: str) -> str:
        """The visible text of the first element matching ``css`` ("" when none)."""
        return str(
            self.run(
                "const e = document.querySelector(arguments[0]); return e ? e.innerText : ''", css
            )
        )

    def count(self, css: str) -> int:
        return int(self.run("return document.querySelectorAll(arguments[0]).length", css))

    def resize(self, width: int, height: int) -> None:
        self.driver.set_window_size(width, height)

    def screenshot(self, name: str) -> Path:
        """Save a PNG of the viewport as ``<name>.png``; its path."""
        self.screenshot_dir.mkdir(parents=True, exist_ok=True)
        path = self.screenshot_dir / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def console_errors(self) -> list[str]:
        """Every console error (and failed load) the pages logged so far."""
        entries = self.driver.get_log("browser")
        self.errors += [str(e["message"]) for e in entries if e.get("level") == "SEVERE"]
        return list(self.errors)

    def expect_errors(self, marker: str) -> int:
        """Forgive the console errors containing ``marker`` that a test caused on purpose
        (e.g. a cut connection's failed load); how many there were."""
        self.console_errors()
        kept = [e for e in self.errors if marker not in e]
        forgiven = len(self.errors) - len(kept)
        self.errors = kept
        return forgiven

    def quit(self) -> None:
        self.driver.quit()


def start_browser(
    profile_dir: Path, screenshot_dir: Path, size: tuple[int, int] = DESKTOP_SIZE
) -> Browser:
    """A headless Chromium with a fresh profile in ``profile_dir``. Raises ``RuntimeError``
    when the binaries are missing (callers decide whether that skips or fails)."""
    binaries = chromium_binaries()
    if binaries is None:
        raise RuntimeError(f"needs {' and '.join(CHROMIUM_PACKAGES)} (apt-get install)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = binaries
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in chromium_arguments(profile_dir, size):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The driver's path is given, so Selenium Manager never looks for (or fetches) one.
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.set_page_load_timeout(DEFAULT_WAIT_S)
    return Browser(driver=driver, screenshot_dir=screenshot_dir)


def screenshot_dir(default: Path) -> Path:
    """Where screenshots go: ``GAUNTLET_SCREENSHOT_DIR`` (to refresh ``docs/screenshots``)
    or ``default``."""
    chosen = os.environ.get(SCREENSHOT_DIR_ENV)
    return Path(chosen) if chosen else default


def browser_for_test(tmp_path: Path) -> Iterator[Browser]:
    """Fixture body: a fresh browser for one test; the test fails if its pages logged a
    console error. Skips without Chromium, except in CI, where it fails."""
    if chromium_binaries() is None:
        skip_or_fail(f"needs {' and '.join(CHROMIUM_PACKAGES)} (Debian packages)")
    profile = Path(tempfile.mkdtemp(prefix="gauntlet-chromium-"))
    browser = start_browser(profile, screenshot_dir(tmp_path / "screenshots"))
    errors: list[str] = []
    try:
        yield browser
        errors = browser.console_errors()
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)
    if errors:
        import pytest

        pytest.fail("JavaScript console errors:\n" + "\n".join(errors), pytrace=False)

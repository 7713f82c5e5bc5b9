"""Load ``/docs`` and ``/redoc`` with no network but loopback, and say what rendered.

Run by ``test_offline_docs.py`` inside a new network namespace (``unshare -n``), where
the only interface is ``lo`` (down until this program brings it up): any asset fetched
from elsewhere fails, and shows as a console error or an empty page. Prints one JSON
line on stdout.

    unshare -n python -m tests.browser.offline_docs
"""

from __future__ import annotations

import fcntl
import json
import socket
import struct
import sys
import tempfile
from pathlib import Path
from typing import Any

from core.settings import Settings
from orchestrator.app import create_app
from orchestrator.logging import configure_logging
from orchestrator.runtime import build_runtime
from tests.support.browser import Browser, start_browser
from tests.support.live_server import LiveServer

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
# Swagger UI draws one .opblock per operation; ReDoc one section per operation.
SWAGGER_OPERATIONS = "return document.querySelectorAll('.swagger-ui .opblock').length"
REDOC_OPERATIONS = "return document.querySelectorAll('[data-section-id^=\"operation/\"]').length"
RESOURCES = "return performance.getEntriesByType('resource').map(e => e.name)"


def bring_loopback_up() -> None:
    """``ip link set lo up``, without needing iproute2."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(sock, SIOCGIFFLAGS, request)[:18])[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | IFF_UP))


def interfaces() -> list[str]:
    """Names of this namespace's network interfaces."""
    lines = Path("/proc/net/dev").read_text().splitlines()[2:]
    return sorted(line.split(":", 1)[0].strip() for line in lines)


def render(browser: Browser, url: str, count_script: str) -> dict[str, Any]:
    browser.open(url)
    count = browser.wait_for(lambda: browser.run(count_script), f"operations on {url}")
    return {"operations": count, "resources": browser.run(RESOURCES)}


def main() -> int:
    # stdout carries the report alone.
    configure_logging("WARNING", "console")
    bring_loopback_up()
    workdir = Path(tempfile.mkdtemp(prefix="gauntlet-offline-docs-"))
    settings = Settings(
        data_dir=workdir,
        database_url=f"sqlite:///{workdir / 'gauntlet.db'}",
        redis_url=None,
    )
    runtime = build_runtime(settings)
    server = LiveServer(create_app(settings, runtime)).start()
    browser = start_browser(workdir / "profile", workdir / "screenshots")
    try:
        docs = render(browser, f"{server.url}/docs", SWAGGER_OPERATIONS)
        redoc = render(browser, f"{server.url}/redoc", REDOC_OPERATIONS)
        report = {
            "interfaces": interfaces(),
            "server": server.url,
            "docs": docs,
            "redoc": redoc,
            "console_errors": browser.console_errors(),
        }
    finally:
        browser.quit()
        server.stop()
        runtime.close()
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

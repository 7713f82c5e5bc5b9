"""Open ``/graphql/explorer`` and run a query with no network but loopback; print what
happened as one JSON line.

Run by ``test_graphql_explorer_offline.py`` inside a new network namespace (``unshare
-n``), like ``offline_docs.py``: any file fetched from elsewhere would fail and show.

    unshare -n python -m tests.browser.offline_explorer
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from core.settings import Settings
from orchestrator.app import create_app
from orchestrator.logging import configure_logging
from orchestrator.runtime import build_runtime
from tests.browser.offline_docs import RESOURCES, bring_loopback_up, interfaces
from tests.support.browser import start_browser
from tests.support.factories import create_key
from tests.support.live_server import LiveServer

EDITOR = ".graphiql-query-editor .CodeMirror"
RESULT = "return document.querySelector('.result-window .CodeMirror')?.CodeMirror.getValue() ?? ''"
QUERY = "{ me { organization { name } } apps { totalCount } }"


def main() -> int:
    configure_logging("WARNING", "console")
    bring_loopback_up()
    workdir = Path(tempfile.mkdtemp(prefix="gauntlet-offline-explorer-"))
    settings = Settings(
        data_dir=workdir, database_url=f"sqlite:///{workdir / 'gauntlet.db'}", redis_url=None
    )
    runtime = build_runtime(settings)
    key = create_key(runtime, "offline-org", "read")
    server = LiveServer(create_app(settings, runtime)).start()
    browser = start_browser(workdir / "profile", workdir / "screenshots")
    try:
        browser.open(f"{server.url}/graphql/explorer#key={key}")
        browser.wait_for(lambda: browser.count(EDITOR), "GraphiQL's editor")
        browser.run(
            "document.querySelector(arguments[0]).CodeMirror.setValue(arguments[1])", EDITOR, QUERY
        )
        browser.run("document.querySelector('.graphiql-execute-button').click()")
        result = browser.wait_for(lambda: browser.run(RESULT).strip(), "the query's result")
        report = {
            "interfaces": interfaces(),
            "server": server.url,
            "result": json.loads(result),
            "resources": browser.run(RESOURCES),
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

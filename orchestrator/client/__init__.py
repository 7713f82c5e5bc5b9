"""The ``gauntlet`` client: commands that drive a Gauntlet server over HTTP, for CI.

They are configured by ``--server`` (``GAUNTLET_SERVER``) and ``--key``
(``GAUNTLET_API_KEY``) only, never by the server's settings, and they end with the exit
codes of :class:`~orchestrator.client.errors.Exit`: 0 passed, 1 tests failed, 2 bad
usage or a server that cannot be reached or refuses, 3 stopped or timed out.

- :mod:`.http`: the connection (envelope, errors, retries after 429/503)
- :mod:`.follow`: following a job's NDJSON events to its end, resuming after cuts
- :mod:`.screen`, :mod:`.progress`: live lines on a terminal, plain lines in CI logs
- :mod:`.run_cmd`, :mod:`.load_cmd`, :mod:`.generate_cmd`, :mod:`.jobs_cmd`,
  :mod:`.suites_cmd`, :mod:`.import_cmd`: the commands
- :mod:`.importers`: Postman collections and HAR captures as suites
"""

from __future__ import annotations

import typer

CLIENT_PANEL = "Client (talk to a server with an API key)"


def register_client_commands(app: typer.Typer) -> None:
    """Add the client commands to the ``gauntlet`` application."""
    from orchestrator.client.generate_cmd import generate
    from orchestrator.client.import_cmd import import_app
    from orchestrator.client.jobs_cmd import jobs_app
    from orchestrator.client.load_cmd import load
    from orchestrator.client.run_cmd import run, validate
    from orchestrator.client.suites_cmd import suites_app

    for name, command in (
        ("run", run),
        ("validate", validate),
        ("load", load),
        ("generate", generate),
    ):
        app.command(name, rich_help_panel=CLIENT_PANEL)(command)
    app.add_typer(jobs_app, name="jobs", rich_help_panel=CLIENT_PANEL)
    app.add_typer(suites_app, name="suites", rich_help_panel=CLIENT_PANEL)
    app.add_typer(import_app, name="import", rich_help_panel=CLIENT_PANEL)

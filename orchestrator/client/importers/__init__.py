"""Turning other tools' files into suites: Postman v2.1 collections and HAR captures.

Each importer returns :class:`~orchestrator.client.importers.common.Imported`: the
suites, the base URLs the requests went to, and a note for everything that could not
be carried over, so that nothing is dropped without saying so.
"""

from orchestrator.client.importers.common import Imported, ImportFailed
from orchestrator.client.importers.har import import_har
from orchestrator.client.importers.postman import import_postman

__all__ = ["ImportFailed", "Imported", "import_har", "import_postman"]

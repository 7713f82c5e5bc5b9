"""A host of JSON Schema documents on a free loopback port that records every connection
and request, for proving a schema reference is never fetched (``SchemaHost().start()``,
``hits``, ``stop()``). Connections count too, so an ``https://`` attempt (a TLS hello this
plain-HTTP server cannot parse) is seen as well.

Every path answers ``{"type": "integer"}``: a schema that, were it fetched, would change
the verdict on a string body, so a test can tell a fetch from its outcome as well as from
the count.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FETCHED_SCHEMA = b'{"type": "integer"}'


class SchemaHost(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: list[str] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def verify_request(self, request: Any, client_address: Any) -> bool:
        self.hits.append(f"connection from {client_address[0]}")
        return True

    def start(self) -> SchemaHost:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: SchemaHost

    def do_GET(self) -> None:
        self.server.hits.append(self.path)
        self.send_response(200)
        self.send_header("content-type", "application/schema+json")
        self.send_header("content-length", str(len(FETCHED_SCHEMA)))
        self.end_headers()
        self.wfile.write(FETCHED_SCHEMA)

    def log_message(self, *_args: Any) -> None:
        pass


def attacks(host: str, local_file: str) -> dict[str, dict[str, Any]]:
    """Schemas whose references leave them, by the trick each uses; ``host`` is the
    :class:`SchemaHost` URL, ``local_file`` the path of a JSON file on disk."""
    return {
        "http": {"$ref": f"{host}/x.json"},
        "https": {"$ref": f"https://127.0.0.1:{host.rsplit(':', 1)[1]}/x.json"},
        "file": {"$ref": f"file://{local_file}"},
        "data": {"$ref": 'data:application/json,{"type":"integer"}'},
        "urn": {"$ref": "urn:example:integer"},
        "relative": {"$ref": "x.json"},
        "relative to an http $id": {"$id": f"{host}/schemas/", "$ref": "x.json"},
        "relative to a file $id": {
            "$id": f"file://{local_file.rpartition('/')[0]}/",
            "$ref": local_file.rpartition("/")[2],
        },
        "nested in properties": {"properties": {"a": {"$ref": f"{host}/p.json"}}},
        "nested in items": {"items": {"$ref": f"{host}/i.json"}},
        "nested in allOf": {"allOf": [{"type": "string"}, {"$ref": f"{host}/a.json"}]},
        "behind a local $ref": {"$ref": "#/$defs/a", "$defs": {"a": {"$ref": f"{host}/d.json"}}},
        "behind a pointer into a non-schema keyword": {
            "$ref": "#/x-stash",
            "x-stash": {"$ref": f"{host}/n.json"},
        },
        "$dynamicRef": {"$dynamicRef": f"{host}/dyn.json#meta"},
        "embedded $id then a sibling document": {
            "$defs": {"a": {"$id": f"{host}/a.json", "$ref": "b.json"}},
            "$ref": f"{host}/a.json",
        },
        "pointer to nowhere": {"$ref": "#/$defs/missing"},
    }


def harmless(host: str) -> dict[str, dict[str, Any]]:
    """Schemas with references that stay inside them (and so must keep working)."""
    return {
        "local $defs": {"$ref": "#/$defs/n", "$defs": {"n": {"type": "integer"}}},
        "anchor": {"$ref": "#n", "$defs": {"n": {"$anchor": "n", "type": "integer"}}},
        "embedded $id": {
            "$defs": {"n": {"$id": f"{host}/n.json", "type": "integer"}},
            "$ref": f"{host}/n.json",
        },
        "$schema naming the host": {"$schema": f"{host}/meta.json", "type": "integer"},
    }

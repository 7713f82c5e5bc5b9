"""YAML texts that a safe loader must refuse, each with the words its error should use.

Each is otherwise an OpenAPI document (or a suite), so that only the YAML feature is at
fault. Shared by the loader's unit tests, the API matrix and the CLI matrix.
"""

from __future__ import annotations

_HEAD = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n"

# 10 levels of 10 aliases each: 10**10 strings once expanded.
_LAUGHS = "a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol','lol']\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(9)
)

HOSTILE_YAML: dict[str, tuple[str, str]] = {
    "binary": (_HEAD + "x-blob: !!binary aGVsbG8=\n", "!!binary"),
    "set": (_HEAD + "x-set: !!set {a, b}\n", "!!set"),
    "omap": (_HEAD + "x-omap: !!omap [{a: 1}]\n", "!!omap"),
    "timestamp-tag": (_HEAD + "x-when: !!timestamp 2024-01-01\n", "!!timestamp"),
    "python-tag": (_HEAD + "x-run: !!python/object/apply:os.system ['true']\n", "!!python"),
    "custom-tag": (_HEAD + "x-mine: !custom thing\n", "!custom"),
    "alias": (_HEAD + "x-a: &shared {k: v}\nx-b: *shared\n", "anchors"),
    "billion-laughs": (_HEAD + _LAUGHS, "anchors"),
    "deep-flow": (_HEAD + "x-deep: " + "[" * 100_000 + "]" * 100_000 + "\n", "nest"),
    "deep-block": (
        _HEAD + "".join(f"{'  ' * i}k{i}:\n" for i in range(300)) + "  " * 300 + "end: 1\n",
        "nested deeper than",
    ),
    "two-documents": (_HEAD + "---\n" + _HEAD, "more than one YAML document"),
}

DATED_DOCUMENT = (
    "openapi: 3.0.3\n"
    "info:\n  title: dated\n  version: 2024-01-01\n"
    "paths:\n  /things:\n    get:\n      responses:\n"
    "        '200': {description: ok, content: {application/json: {example: {since: 2023-12-31}}}}\n"
)

"""The one YAML loader for untrusted text (OpenAPI documents, suite files).

YAML can do more than JSON, and every extra is an attack or a 500 waiting: aliases expand
into "billion laughs", ``!!binary``/``!!set``/``!!timestamp`` build bytes, sets and
datetimes that JSON cannot store, custom and ``!!python/`` tags name constructors, and
100,000 nested brackets exhaust the stack. This loader accepts the JSON data model only:
mappings with scalar keys, sequences, strings, numbers, booleans and null. A date such as
``2024-01-01`` stays a string, as it would be in JSON.

It builds the result from the parser's event stream with an explicit stack (libyaml's
parser when available, for speed), so depth is checked before anything deep is built and
no recursion is involved. Anything refused raises :class:`YAMLRefused` naming the problem
and its line.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import ScalarNode

from core.errors import ValidationFailed

# Real OpenAPI documents nest about 30 deep (GitHub's, Stripe's); 200 leaves ample room
# for deeply composed schemas while keeping far away from any stack limit.
DEFAULT_MAX_DEPTH = 200
# GitHub's OpenAPI document is 13 MB; 64 MiB stops a runaway upload before parsing.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(_TAG + t for t in ("str", "int", "float", "bool", "null"))
_SEQUENCE_TAGS = frozenset({None, "!", _TAG + "seq"})
_MAPPING_TAGS = frozenset({None, "!", _TAG + "map"})

_Base: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):
    """Safe loading minus implicit timestamps (dates stay strings)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _TAG + "timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class YAMLRefused(ValidationFailed):
    """Text that is not YAML, or uses a YAML feature this service does not accept.
    ``reason`` is one line naming the problem; ``line`` is 1-based when known;
    ``syntax`` says the text is not YAML at all (rather than YAML using a refused feature)."""

    def __init__(self, problem: str, line: int | None = None, *, syntax: bool = False) -> None:
        self.problem = problem
        self.line = line
        self.syntax = syntax
        super().__init__(f"{problem} (line {line})" if line else problem)


def _line(mark: Any) -> int | None:
    return mark.line + 1 if mark is not None else None


def _short(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def load(
    text: str | bytes, *, max_depth: int = DEFAULT_MAX_DEPTH, max_bytes: int = DEFAULT_MAX_BYTES
) -> Any:
    """The single document in ``text`` as plain Python data (dict, list, str, int, float,
    bool, None); None for an empty document. Raises :class:`YAMLRefused` for text that is
    not UTF-8 or not YAML, larger than ``max_bytes``, nested deeper than ``max_depth``, or
    using aliases, anchors, merge keys, non-scalar keys, tags beyond the JSON types, or
    more than one document."""
    if len(text) > max_bytes:
        raise YAMLRefused(f"the YAML text is larger than {max_bytes} bytes")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise YAMLRefused("the YAML text is not UTF-8") from None
    loader = _Loader(text)
    try:
        return _build(loader, max_depth)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid syntax"
        raise YAMLRefused(f"invalid YAML: {problem}", _line(mark), syntax=True) from None
    except yaml.YAMLError as exc:
        raise YAMLRefused(f"invalid YAML: {str(exc).splitlines()[0][:200]}", syntax=True) from None
    finally:
        loader.dispose()


def _build(loader: Any, max_depth: int) -> Any:
    loader.get_event()  # StreamStart
    if loader.check_event(yaml.StreamEndEvent):
        return None
    loader.get_event()  # DocumentStart
    # Each frame: [container, pending mapping key or _NO_KEY]
    stack: list[list[Any]] = []
    root: Any = None
    while True:
        event = loader.get_event()
        line = _line(event.start_mark)
        if isinstance(event, yaml.AliasEvent):
            raise YAMLRefused("YAML aliases (*name) are not accepted", line)
        if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
            raise YAMLRefused("YAML anchors (&name) are not accepted", line)
        if isinstance(event, yaml.ScalarEvent):
            value = _scalar(loader, event, line)
        elif isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            is_seq = isinstance(event, yaml.SequenceStartEvent)
            if event.tag not in (_SEQUENCE_TAGS if is_seq else _MAPPING_TAGS):
                raise YAMLRefused(f"the YAML tag {_short(str(event.tag))} is not accepted", line)
            if len(stack) >= max_depth:
                raise YAMLRefused(f"nested deeper than {max_depth} levels", line)
            if stack and isinstance(stack[-1][0], dict) and stack[-1][1] is _NO_KEY:
                raise YAMLRefused("mapping keys must be scalars", line)
            stack.append([[] if is_seq else {}, _NO_KEY])
            continue
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            value = stack.pop()[0]
        elif isinstance(event, yaml.DocumentEndEvent):
            break
        else:  # pragma: no cover - the parser yields nothing else inside a document
            raise YAMLRefused(f"unexpected YAML event {type(event).__name__}", line)
        if not stack:
            root = value
            continue
        frame = stack[-1]
        container = frame[0]
        if isinstance(container, list):
            container.append(value)
        elif frame[1] is _NO_KEY:
            if isinstance(event, yaml.ScalarEvent) and _is_merge(loader, event):
                raise YAMLRefused("YAML merge keys (<<) are not accepted", line)
            frame[1] = value
        else:
            container[frame[1]] = value
            frame[1] = _NO_KEY
    if not loader.check_event(yaml.StreamEndEvent):
        raise YAMLRefused("more than one YAML document", _line(loader.peek_event().start_mark))
    return root


class _NoKey:
    pass


_NO_KEY = _NoKey()


def _resolved_tag(loader: Any, event: Any) -> str:
    if event.tag is None or event.tag == "!":
        return str(loader.resolve(ScalarNode, event.value, event.implicit))
    return str(event.tag)


def _is_merge(loader: Any, event: Any) -> bool:
    return _resolved_tag(loader, event) == _TAG + "merge"


def _scalar(loader: Any, event: Any, line: int | None) -> Any:
    tag = _resolved_tag(loader, event)
    if tag == _TAG + "merge":
        return "<<"  # as a value it is just text; as a key the caller refuses it
    if tag not in _SCALAR_TAGS:
        raise YAMLRefused(f"the YAML tag {_short(tag)} is not accepted", line)
    node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    return loader.yaml_constructors[tag](loader, node)

"""Postman test scripts, line by line, into assertions and extractions.

No JavaScript is run: each line is matched against the checks people write most (the
ones Postman's own snippets insert). A line that is only structure (``pm.test(…,
function () {``, ``});``, a comment, ``var data = pm.response.json();``) is skipped; a
line that matches nothing is returned as unmapped, for the importer to report.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

# pm.response.to.be.<name>: Postman's status shorthands.
STATUS_NAMES: dict[str, Any] = {
    "ok": 200,
    "success": "2xx",
    "accepted": 202,
    "info": "1xx",
    "redirection": "3xx",
    "clientError": "4xx",
    "serverError": "5xx",
    "error": ["4xx", "5xx"],
    "badRequest": 400,
    "unauthorized": 401,
    "unauthorised": 401,
    "forbidden": 403,
    "notFound": 404,
    "rateLimited": 429,
}
CHAI_TYPES = {
    "string": "string",
    "number": "number",
    "object": "object",
    "array": "array",
    "boolean": "boolean",
    "null": "null",
}

_LITERAL = r"(?P<lit>.+?)"
_STRING = r"""(?P<q>['"`])(?P<s>(?:\\.|(?!(?P=q)).)*)(?P=q)"""
_ACCESSOR = r"(?P<acc>(?:\.[A-Za-z_$][\w$]*|\[\d+\]|\[(?:'[^']*'|\"[^\"]*\")\])*)"
_EQ = r"(?:to\.(?:be\.)?(?:eql|equal|equals|eq)|to\.deep\.equal)"
_HEADER_OP = r"to\.(?P<how>include|contain|(?:be\.)?(?:eql|equal|eq))"
_ONE_LINE_TEST = re.compile(
    r"^pm\.test\(.*?,\s*(?:function\s*\(\)\s*\{|\(\)\s*=>\s*\{?)\s*(?P<body>.+?)\s*\}?\s*\)$"
)

_STRUCTURE = [
    re.compile(r"^pm\.test\(.*(function\s*\([^)]*\)|=>)\s*\{$"),
    re.compile(r"^\}\)?\)?;?$"),
    re.compile(r"^//"),
    re.compile(r"^/?\*"),
    re.compile(r"^(?:var|let|const)\s+(?P<alias>\w+)\s*=\s*pm\.response\.json\(\)$"),
    re.compile(r"^(?:var|let|const)\s+\w+\s*=\s*JSON\.parse\(responseBody\)$"),
]


@dataclass
class Mapped:
    assertions: list[dict[str, Any]] = field(default_factory=list)
    extract: dict[str, str] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)


_VARIABLE_GET = re.compile(
    r"^pm\.(?:environment|collectionVariables|globals|variables)\.get\((['\"])([\w.\-]+)\1\)$"
)


def _literal(text: str) -> Any:
    """A JavaScript literal as JSON (a ``pm.*.get("x")`` as ``"{{x}}"``); raises
    ValueError for anything else."""
    text = text.strip()
    variable = _VARIABLE_GET.match(text)
    if variable:
        return "{{" + variable.group(2) + "}}"
    if len(text) >= 2 and text[0] in "'`" and text[-1] == text[0]:
        return text[1:-1].replace(f"\\{text[0]}", text[0])
    if text == "undefined":
        raise ValueError(text)
    return json.loads(text.replace("'", '"'))


def _path(accessor: str) -> str:
    """``.a.b[0]["c"]`` as the JSON path ``$.a.b[0]['c']``."""
    return "$" + re.sub(r"\[\"([^\"]*)\"\]", r"['\1']", accessor)


class _Translator:
    def __init__(self) -> None:
        self.mapped = Mapped()
        self.aliases = {"pm.response.json()", "JSON.parse(responseBody)"}

    def status(self, expected: Any) -> None:
        self.mapped.assertions.append({"type": "status_code", "expected": expected})

    def line(self, raw: str) -> None:
        text = raw.strip().rstrip(";").strip()
        if not text:
            return
        for pattern in _STRUCTURE:
            match = pattern.match(text)
            if match:
                if "alias" in pattern.groupindex:
                    self.aliases.add(match.group("alias"))
                return
        # pm.test("name", () => pm.response.to.have.status(200)) on one line.
        one_line = _ONE_LINE_TEST.match(text)
        if one_line and self.check(one_line.group("body").rstrip(";").strip()):
            return
        if not self.check(text):
            self.mapped.unmapped.append(raw.strip())

    def check(self, text: str) -> bool:
        """Map one statement; False when it is not understood."""
        m = re.fullmatch(r"pm\.response\.to\.(?:have|be)\.status\((\d{3})\)", text)
        if m:
            self.status(int(m.group(1)))
            return True
        m = re.fullmatch(rf"pm\.expect\(pm\.response\.(?:code|status)\)\.{_EQ}\((\d{{3}})\)", text)
        if m:
            self.status(int(m.group(1)))
            return True
        m = re.fullmatch(r"pm\.expect\(pm\.response\.code\)\.to\.be\.oneOf\((\[[\d,\s]+\])\)", text)
        if m:
            self.status(json.loads(m.group(1)))
            return True
        m = re.fullmatch(r"pm\.response\.to\.(?:be|have)\.(\w+)", text)
        if m and m.group(1) in STATUS_NAMES:
            self.status(STATUS_NAMES[m.group(1)])
            return True
        if re.fullmatch(r"pm\.response\.to\.(?:be\.json|have\.jsonBody\(\))", text):
            self.mapped.assertions.append(
                {"type": "header", "name": "content-type", "op": "contains", "expected": "json"}
            )
            return True
        m = re.fullmatch(rf"pm\.response\.to\.have\.header\({_STRING}(?:,\s*(?P<v>.+))?\)", text)
        if m:
            assertion: dict[str, Any] = {"type": "header", "name": m.group("s"), "op": "exists"}
            if m.group("v"):
                assertion.update(op="eq", expected=_literal(m.group("v")))
            self.mapped.assertions.append(assertion)
            return True
        m = re.fullmatch(
            rf"pm\.expect\(pm\.response\.headers\.get\({_STRING}\)\)\.{_HEADER_OP}\({_LITERAL}\)",
            text,
        )
        if m:
            op = "contains" if m.group("how") in ("include", "contain") else "eq"
            self.mapped.assertions.append(
                {
                    "type": "header",
                    "name": m.group("s"),
                    "op": op,
                    "expected": _literal(m.group("lit")),
                }
            )
            return True
        m = re.fullmatch(
            r"pm\.expect\(pm\.response\.responseTime\)\.to\.be\.(below|lessThan|lt|most|lte)\((\d+(?:\.\d+)?)\)",
            text,
        )
        if m:
            op = "lte" if m.group(1) in ("most", "lte") else "lt"
            self.mapped.assertions.append(
                {"type": "latency_ms", "op": op, "expected": float(m.group(2))}
            )
            return True
        m = re.fullmatch(
            rf"pm\.expect\(pm\.response\.text\(\)\)\.to\.(?:include|contain)\({_LITERAL}\)", text
        )
        if m:
            self.mapped.assertions.append(
                {"type": "body", "op": "contains", "expected": _literal(m.group("lit"))}
            )
            return True
        return self.json_check(text) or self.extraction(text)

    def _json_root(self, text: str) -> tuple[str, str] | None:
        """``(json path, rest)`` when ``text`` starts with a JSON-body expression."""
        for alias in sorted(self.aliases, key=len, reverse=True):
            if text.startswith(alias):
                m = re.match(_ACCESSOR, text[len(alias) :])
                if m is not None:
                    return _path(m.group("acc")), text[len(alias) + m.end() :]
        return None

    def json_check(self, text: str) -> bool:
        m = re.fullmatch(r"pm\.expect\((?P<expr>.+?)\)\.(?P<chain>to\..+)", text)
        if m is None:
            return False
        root = self._json_root(m.group("expr"))
        if root is None or root[1]:
            return False
        path, chain = root[0], m.group("chain")
        try:
            assertion = self._chain(path, chain)
        except ValueError:
            return False
        if assertion is None:
            return False
        self.mapped.assertions.append(assertion)
        return True

    def _chain(self, path: str, chain: str) -> dict[str, Any] | None:
        base = {"type": "json_path", "path": path}
        if re.fullmatch(r"to\.(?:exist|not\.be\.undefined|be\.ok)", chain):
            return {**base, "op": "exists"}
        if re.fullmatch(r"to\.not\.exist|to\.be\.undefined", chain):
            return {**base, "op": "not_exists"}
        m = re.fullmatch(r"to\.be\.an?\(['\"](\w+)['\"]\)", chain)
        if m and m.group(1) in CHAI_TYPES:
            return {**base, "op": "type", "expected": CHAI_TYPES[m.group(1)]}
        m = re.fullmatch(rf"{_EQ}\({_LITERAL}\)", chain)
        if m:
            return {**base, "op": "eq", "expected": _literal(m.group("lit"))}
        m = re.fullmatch(rf"to\.not\.(?:eql|equal|eq)\({_LITERAL}\)", chain)
        if m:
            return {**base, "op": "ne", "expected": _literal(m.group("lit"))}
        m = re.fullmatch(rf"to\.(?:include|contain)\({_LITERAL}\)", chain)
        if m:
            return {**base, "op": "contains", "expected": _literal(m.group("lit"))}
        m = re.fullmatch(rf"to\.be\.oneOf\({_LITERAL}\)", chain)
        if m:
            return {**base, "op": "in", "expected": _literal(m.group("lit"))}
        m = re.fullmatch(
            r"to\.be\.(above|below|at\.least|at\.most|greaterThan|lessThan)\(([-\d.]+)\)", chain
        )
        if m:
            ops = {
                "above": "gt",
                "greaterThan": "gt",
                "below": "lt",
                "lessThan": "lt",
                "at.least": "gte",
                "at.most": "lte",
            }
            return {**base, "op": ops[m.group(1)], "expected": float(m.group(2))}
        m = re.fullmatch(r"to\.have\.(?:lengthOf|length)\((\d+)\)", chain)
        if m:
            return None  # no length assertion in the suite format
        return None

    def extraction(self, text: str) -> bool:
        m = re.fullmatch(
            rf"pm\.(?:environment|collectionVariables|globals|variables)\.set\({_STRING},\s*(?P<expr>.+)\)",
            text,
        )
        if m is None:
            return False
        variable, expr = m.group("s"), m.group("expr").strip()
        header = re.fullmatch(rf"pm\.response\.headers\.get\({_STRING}\)", expr)
        if header:
            self.mapped.extract[variable] = f"header:{header.group('s')}"
            return True
        if re.fullmatch(r"pm\.response\.code", expr):
            self.mapped.extract[variable] = "status"
            return True
        root = self._json_root(expr)
        if root is None or root[1]:
            return False
        self.mapped.extract[variable] = root[0]
        return True


def translate(lines: list[str]) -> Mapped:
    """The assertions and extractions of a test script, and the lines left unmapped."""
    translator = _Translator()
    for line in lines:
        translator.line(line)
    return translator.mapped

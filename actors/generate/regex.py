"""Strings matching a ``pattern``, drawn from a seeded random generator.

Written here rather than taken from rstr/exrex: both build negated character classes
from a ``set``, whose order changes with the interpreter's hash seed, and suites must be
byte-identical across processes. This walks the standard library's own parse tree, and
draws only from sorted candidates. Each candidate is checked with the runner's bounded
matcher, the one schema assertions use, so a pattern that backtracks catastrophically
is given up on rather than stalling generation.
"""

from __future__ import annotations

import random
import re._constants as sre
import re._parser as sre_parse
import string
from typing import Any

from runner import RegexRefused, RegexTimeout, check_regex, regex_search

# Unbounded repeats ('*', '+', '{3,}') stop this far past their minimum: readable
# values, and still within most maxLength limits.
REPEAT_SPAN = 8
# Guard against patterns such as (a{1000}){1000}.
MAX_LENGTH = 2000
_PRINTABLE = sorted(set(string.ascii_letters + string.digits + "-_.~ "))
_ALNUM = sorted(string.ascii_letters + string.digits)
_CATEGORIES: dict[Any, list[str]] = {
    sre.CATEGORY_DIGIT: list(string.digits),
    sre.CATEGORY_NOT_DIGIT: list(string.ascii_letters + "-_"),
    sre.CATEGORY_WORD: list(string.ascii_letters + string.digits + "_"),
    sre.CATEGORY_NOT_WORD: list("-. ~"),
    sre.CATEGORY_SPACE: [" "],
    sre.CATEGORY_NOT_SPACE: list(string.ascii_letters + string.digits),
}


class RegexUnsupported(ValueError):
    """The pattern uses a construct that cannot be generated (or does not compile)."""


def string_matching(pattern: str, rng: random.Random, tries: int = 5) -> str:
    """A string ``s`` with ``re.search(pattern, s)`` true.

    Raises :class:`RegexUnsupported` when the pattern is not usable (see
    ``runner.check_regex``), checking a candidate timed out, or no candidate matched
    within ``tries`` (look-arounds, back-references).
    """
    try:
        check_regex(pattern)
        tree = sre_parse.parse(pattern)
    except (RegexRefused, RecursionError, OverflowError, ValueError) as exc:
        raise RegexUnsupported(str(exc)) from None
    for _ in range(tries):
        out: list[str] = []
        try:
            _emit(tree, rng, out, {})
        except (_Unsupported, RecursionError):
            break
        text = "".join(out)
        try:
            if regex_search(pattern, text):
                return text
        except (RegexTimeout, RegexRefused) as exc:
            raise RegexUnsupported(str(exc)) from None
    raise RegexUnsupported(f"cannot generate a string matching {pattern!r}")


class _Unsupported(Exception):
    pass


def _emit(items: Any, rng: random.Random, out: list[str], groups: dict[int, str]) -> None:
    for op, arg in items:
        if sum(len(s) for s in out) > MAX_LENGTH:
            raise _Unsupported
        if op is sre.LITERAL:
            out.append(chr(arg))
        elif op is sre.NOT_LITERAL:
            out.append(rng.choice([c for c in _PRINTABLE if ord(c) != arg]))
        elif op is sre.ANY:
            out.append(rng.choice(_ALNUM))
        elif op is sre.IN:
            out.append(_pick_in(arg, rng))
        elif op is sre.BRANCH:
            _emit(rng.choice(arg[1]), rng, out, groups)
        elif op is sre.SUBPATTERN:
            group, sub = arg[0], arg[-1]
            start = len(out)
            _emit(sub, rng, out, groups)
            if group:
                groups[group] = "".join(out[start:])
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
            low, high, sub = arg
            high = low + REPEAT_SPAN if high is sre.MAXREPEAT else high
            for _ in range(rng.randint(low, max(low, min(high, low + REPEAT_SPAN)))):
                _emit(sub, rng, out, groups)
        elif op is sre.GROUPREF:
            out.append(groups.get(arg, ""))
        elif op is sre.CATEGORY:
            out.append(rng.choice(_CATEGORIES.get(arg, ["a"])))
        elif op in (sre.AT, getattr(sre, "ATOMIC_GROUP", None)):
            if op is not sre.AT:
                _emit(arg, rng, out, groups)
        else:
            raise _Unsupported  # look-arounds, conditionals: leave to the caller


def _pick_in(items: Any, rng: random.Random) -> str:
    negate = False
    chosen: list[str] = []
    for op, arg in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            chosen.append(chr(arg))
        elif op is sre.RANGE:
            low, high = arg
            chosen.extend(chr(c) for c in range(low, min(high, low + 255) + 1))
        elif op is sre.CATEGORY:
            chosen.extend(_CATEGORIES.get(arg, []))
    if negate:
        banned = set(chosen)
        chosen = [c for c in _PRINTABLE if c not in banned]
    if not chosen:
        raise _Unsupported
    return rng.choice(sorted(set(chosen)))

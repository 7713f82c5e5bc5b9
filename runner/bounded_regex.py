"""Regular expressions written by users, run with a bound in time.

A suite's ``matches`` operator, a JSON Schema ``pattern`` or ``patternProperties`` key
and an OpenAPI ``pattern`` are all untrusted. With the standard library a pattern such
as ``^(a|a)+$`` against a long non-matching text backtracks for seconds while holding the
GIL, which freezes every other thread of the process, the embedded API included. Here
every match runs on the ``regex`` engine with ``timeout=`` and ``concurrent=True`` (the
GIL is released while it matches), so a runaway match is stopped and the rest of the
process keeps running meanwhile.

Compiling can be costly too: ``regex`` unrolls counted repeats, so ``(a{1000}){1000}``
takes a second and 300 MB. Patterns are parsed first with the standard library's parser
(the syntax accepted is Python's ``re``) and refused when they are too long or would
unroll past :data:`MAX_EXPANSION`.
"""

from __future__ import annotations

import contextlib
import os
import re
import re._constants as sre
import re._parser as sre_parse
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

import regex

# One match longer than this is stopped: far above what a sane pattern needs on a
# response body, far below what a client notices.
MATCH_TIMEOUT_S = 0.2
# A pattern longer than this is not a check anyone reads; it also bounds compile time.
MAX_PATTERN_LENGTH = 2000
# Counted repeats unrolled by the engine (``x{50}`` counts 50, ``(x{50}){100}`` 5,000):
# about 10 ms of compiling at this bound.
MAX_EXPANSION = 5000
# Matches running at once in a process: with the GIL released, each runaway match burns a
# core until its bound, and worker threads outnumber cores; one core stays free for the
# API. A match waits at most (worker threads - 1) bounds for its turn.
MAX_CONCURRENT_MATCHES = max(1, (os.cpu_count() or 2) - 1)
_turns = threading.BoundedSemaphore(MAX_CONCURRENT_MATCHES)
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_budget: ContextVar[_Budget | None] = ContextVar("bounded_regex_budget", default=None)


class RegexRefused(ValueError):
    """The pattern does not compile, or is too long or too costly to compile."""


class RegexTimeout(Exception):
    """A match ran past its time bound and was stopped."""

    def __init__(self, pattern: str, seconds: float) -> None:
        self.pattern = pattern
        self.seconds = seconds
        super().__init__(
            f"the regular expression /{shown(pattern)}/ timed out after {seconds:g} s "
            "and was stopped (catastrophic backtracking?)"
        )


def shown(pattern: str, limit: int = 80) -> str:
    """The pattern as quoted in reasons, cut to ``limit`` characters."""
    return pattern if len(pattern) <= limit else pattern[: limit - 1] + "…"


def check(pattern: str) -> None:
    """Raise :class:`RegexRefused` unless ``pattern`` is a usable regular expression.

    Cheap (no compiling by the engine), so the API can check every pattern of a suite.
    """
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise RegexRefused(f"longer than {MAX_PATTERN_LENGTH} characters")
    try:
        tree = sre_parse.parse(pattern)
        expansion = _expansion(tree)
    except re.error as exc:
        raise RegexRefused(str(exc)) from None
    except (RecursionError, OverflowError, ValueError):
        raise RegexRefused("nested too deeply") from None
    if expansion > MAX_EXPANSION:
        raise RegexRefused(
            f"its counted repeats unroll to {expansion:,} elements (at most {MAX_EXPANSION:,})"
        )


@lru_cache(maxsize=1024)
def compile(pattern: str) -> regex.Pattern[str]:
    """``pattern`` compiled for matching; cached per process.

    Raises :class:`RegexRefused` as :func:`check` does, or when the engine refuses it.
    """
    check(pattern)
    try:
        return regex.compile(pattern)
    except (regex.error, RecursionError, OverflowError, ValueError) as exc:
        raise RegexRefused(str(exc)) from None


def search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` is found in ``text`` (``re.search`` semantics).

    Raises :class:`RegexRefused` for an unusable pattern and :class:`RegexTimeout` when
    the match runs past :data:`MATCH_TIMEOUT_S` or the enclosing :func:`budget`.
    """
    compiled = compile(pattern)
    enclosing = _budget.get()
    with _turns:
        timeout, bound = MATCH_TIMEOUT_S, MATCH_TIMEOUT_S
        if enclosing is not None and enclosing.left < timeout:
            timeout, bound = enclosing.left, enclosing.seconds
            if timeout <= 0:
                raise RegexTimeout(pattern, bound)
        started = time.monotonic()
        try:
            return compiled.search(text, timeout=timeout, concurrent=True) is not None
        except TimeoutError:
            raise RegexTimeout(pattern, bound) from None
        finally:
            if enclosing is not None:
                enclosing.left -= time.monotonic() - started


@contextlib.contextmanager
def budget(seconds: float) -> Iterator[None]:
    """Let every match inside the block run ``seconds`` in all (on top of the bound of
    each one), so that many slow matches cannot add up. Time spent waiting for a turn
    does not count: it is bounded by the threads of the process. Nested blocks draw on
    the outer budget too."""
    outer = _budget.get()
    start = seconds if outer is None else min(seconds, outer.left)
    mine = _Budget(seconds, start)
    token = _budget.set(mine)
    try:
        yield
    finally:
        _budget.reset(token)
        if outer is not None:
            outer.left -= start - mine.left


class _Budget:
    __slots__ = ("left", "seconds")

    def __init__(self, seconds: float, left: float) -> None:
        self.seconds = seconds
        self.left = left


def _expansion(items: Any) -> int:
    """How many elements the engine would unroll ``items`` to (an upper bound)."""
    total = 0
    for op, arg in items:
        if op in _REPEATS:
            low, _high, sub = arg
            total += max(low, 1) * _expansion(sub)
        elif op is sre.SUBPATTERN:
            total += _expansion(arg[-1])
        elif op is sre.BRANCH:
            total += sum(_expansion(branch) for branch in arg[1])
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            total += _expansion(arg[1])
        elif op is sre.ATOMIC_GROUP:
            total += _expansion(arg)
        elif op is sre.GROUPREF_EXISTS:
            _group, yes, no = arg
            total += _expansion(yes) + (_expansion(no) if no is not None else 0)
        else:
            total += 1
        if total > MAX_EXPANSION:
            return total
    return total

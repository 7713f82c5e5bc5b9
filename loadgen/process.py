"""The parent side of a load test: starts the driver process and reads what it says.

Safe to import in an API or Dramatiq worker process: it never imports Locust or gevent
(those live in the child, ``python -m loadgen.driver``). Typical use, in the load actor::

    with LoadDriver(config) as driver:
        for line in driver.lines():
            if isinstance(line, StatsLine):
                append_event("load.stats", line)
            if stop_requested():
                driver.stop()
        report = driver.wait()          # raises LoadDriverError with the reason
"""

from __future__ import annotations

import collections
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from pydantic import ValidationError

from loadgen.config import ErrorLine, LoadConfig, LoadReport, ReportLine, StatsLine, parse_line
from runner import Masker, secrets_of

Line = StatsLine | ReportLine | ErrorLine
# The driver promises its report within 2 s of SIGTERM; past this it is killed.
DEFAULT_STOP_GRACE_S = 5.0
# Silence longer than this (no stats line) means the driver hangs; it is then killed.
DEFAULT_IDLE_TIMEOUT_S = 30.0
# How much of the driver's stderr an error message quotes, and how much is kept for it.
STDERR_TAIL_LINES = 20
STDERR_KEPT_LINES = 200
STDERR_LINE_CHARS = 2000
_EOF = object()
_PACKAGE_ROOT = Path(__file__).resolve().parent.parent


class LoadDriverError(RuntimeError):
    """The driver could not run the test or died without a report. ``message`` says why
    (with the tail of its stderr, secrets masked); ``exit_code`` is its exit status."""

    def __init__(
        self, message: str, *, exit_code: int | None = None, stderr_tail: str = ""
    ) -> None:
        full = f"{message}\n--- driver stderr (tail) ---\n{stderr_tail}" if stderr_tail else message
        super().__init__(full)
        self.message = message
        self.exit_code = exit_code
        self.stderr_tail = stderr_tail


class LoadDriver:
    """One load test in a child process. Start it with :meth:`start` (or ``with``)."""

    def __init__(
        self,
        config: LoadConfig,
        *,
        python: str = sys.executable,
        stop_grace_s: float = DEFAULT_STOP_GRACE_S,
        idle_timeout_s: float | None = None,
    ) -> None:
        self.config = config
        self.python = python
        self.stop_grace_s = stop_grace_s
        waiting = config.workers_timeout_s if config.distributed else 0.0
        self.idle_timeout_s = idle_timeout_s or (
            max(DEFAULT_IDLE_TIMEOUT_S, 5 * config.stats_interval_s) + waiting
        )
        self.masker = Masker(secrets=secrets_of(config.auth))
        self.report: LoadReport | None = None
        self.error: ErrorLine | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: collections.deque[str] = collections.deque(maxlen=STDERR_KEPT_LINES)
        self._threads: list[threading.Thread] = []
        self._stderr_reader: threading.Thread | None = None
        self._queue: queue.Queue[object] = queue.Queue()
        self._eof = False
        self._killer: threading.Timer | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def returncode(self) -> int | None:
        return self._proc.poll() if self._proc else None

    def start(self) -> LoadDriver:
        """Start ``python -m loadgen.driver`` and hand it the config through a pipe (it
        holds the target's credentials: never written to disk, never on a command line)."""
        if self._proc is not None:
            raise RuntimeError("this load driver was already started")
        try:
            self._proc = subprocess.Popen(
                [self.python, "-m", "loadgen.driver", "--parent", str(os.getpid())],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=_PACKAGE_ROOT,
                # Its own process group: a Ctrl-C meant for this process does not reach
                # the driver; stopping it is this object's decision (stop()). It dies with
                # this process all the same (loadgen.lifeline). Not a session of its own:
                # with the kernel's autogroup scheduling (on by default in Debian) a new
                # session shares one CPU slot among the driver and all its workers, which
                # halved their throughput on a busy machine.
                process_group=0,
            )
        except OSError as exc:
            raise LoadDriverError(f"cannot start the load driver: {exc}") from exc
        payload = self.config.model_dump_json().encode()
        for name, target in (("feed", lambda: self._feed(payload)), ("read", self._read)):
            thread = threading.Thread(target=target, name=f"gauntlet-load-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        self._stderr_reader = threading.Thread(
            target=self._read_stderr, name="gauntlet-load-stderr", daemon=True
        )
        self._stderr_reader.start()
        self._threads.append(self._stderr_reader)
        return self

    def lines(self) -> Iterator[Line]:
        """Each line the driver writes, as it comes, until it closes its output.

        Raises :class:`LoadDriverError` (after killing it) when the driver says nothing
        for ``idle_timeout_s``. Ends normally on exit; :meth:`wait` then tells how it went.
        """
        while not self._eof:
            line = self.read_line(self.idle_timeout_s)
            if line is None and not self._eof:
                self.kill()
                raise LoadDriverError(
                    f"the load driver said nothing for {self.idle_timeout_s:g} s and was killed",
                    exit_code=self.returncode,
                    stderr_tail=self.stderr_tail(),
                )
            if line is not None:
                yield line

    @property
    def output_ended(self) -> bool:
        """True once the driver closed its output (it exited or is about to)."""
        return self._eof

    def read_line(self, timeout: float | None = None) -> Line | None:
        """The next line, or None after ``timeout`` seconds or at the end of the output."""
        if self._eof:
            return None
        try:
            item = self._queue.get(timeout=timeout)
        except queue.Empty:
            return None
        if item is _EOF:
            self._eof = True
            return None
        assert isinstance(item, StatsLine | ReportLine | ErrorLine)
        if isinstance(item, ReportLine):
            self.report = item.report
        elif isinstance(item, ErrorLine):
            self.error = item
        return item

    def stop(self) -> None:
        """Ask the driver to end the load now (SIGTERM); it still writes its report.
        Returns at once; the driver is killed if it is still alive after the grace."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        if self._killer is None:
            self._killer = threading.Timer(self.stop_grace_s, self.kill)
            self._killer.daemon = True
            self._killer.start()

    def kill(self) -> None:
        """End the driver at once (SIGKILL); no report will come."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()

    def wait(self, timeout: float | None = None) -> LoadReport:
        """Wait for the driver to exit and return its report.

        Raises :class:`LoadDriverError` when it wrote an error line, exited with a
        non-zero status, was killed, or ended without a report, or is still running after
        ``timeout`` seconds (it is then killed). The message says which, with its stderr.
        """
        proc = self._proc
        if proc is None:
            raise RuntimeError("this load driver was not started")
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            code = proc.wait()
            raise LoadDriverError(
                f"the load driver was still running after {timeout:g} s and was killed",
                exit_code=code,
                stderr_tail=self.stderr_tail(),
            ) from None
        while not self._eof:  # what the caller did not read yet
            self.read_line(timeout=self.stop_grace_s)
        if self._killer is not None:
            self._killer.cancel()
        if self.error is not None:
            raise LoadDriverError(
                self.masker.text(self.error.message), exit_code=code, stderr_tail=self.stderr_tail()
            )
        if code != 0 or self.report is None:
            raise LoadDriverError(self._death(code), exit_code=code, stderr_tail=self.stderr_tail())
        return self.report

    def stderr_tail(self, lines: int = STDERR_TAIL_LINES) -> str:
        """The last ``lines`` lines the driver wrote to stderr, secrets masked."""
        if self._stderr_reader is not None and self.returncode is not None:
            self._stderr_reader.join(timeout=2)  # what it wrote just before exiting
        kept = list(self._stderr)[-lines:]
        return self.masker.text("\n".join(kept))

    def close(self) -> None:
        """Kill the driver if it still runs and wait for it and its pipes."""
        self.kill()
        if self._proc is not None:
            self._proc.wait()
            for thread in self._threads:
                thread.join(timeout=5)
            for pipe in (self._proc.stdin, self._proc.stdout, self._proc.stderr):
                if pipe is not None:
                    pipe.close()
        if self._killer is not None:
            self._killer.cancel()

    def __enter__(self) -> LoadDriver:
        return self if self._proc is not None else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _death(self, code: int) -> str:
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"the load driver was killed by {name} before its report"
        if code != 0:
            return f"the load driver exited with status {code} without a report"
        return "the load driver exited without a report"

    def _feed(self, payload: bytes) -> None:
        # A thread of its own: a config larger than the pipe's buffer must not block
        # start() when the driver dies before reading it.
        assert self._proc is not None and self._proc.stdin is not None
        try:
            self._proc.stdin.write(payload)
            self._proc.stdin.close()
        except OSError:  # BrokenPipeError: the driver died first; wait() says how
            pass

    def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        try:
            for raw in self._proc.stdout:
                try:
                    self._queue.put(parse_line(raw))
                except ValidationError:
                    continue  # not a protocol line (a library printing): stderr tells more
        finally:
            self._queue.put(_EOF)

    def _read_stderr(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        for raw in self._proc.stderr:
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            self._stderr.append(line[:STDERR_LINE_CHARS])

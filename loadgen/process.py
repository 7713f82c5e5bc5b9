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

import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO

from pydantic import ValidationError

from loadgen.config import ErrorLine, LoadConfig, LoadReport, ReportLine, StatsLine, parse_line
from runner import Masker, secrets_of

Line = StatsLine | ReportLine | ErrorLine
# The driver promises its report within 2 s of SIGTERM; past this it is killed.
DEFAULT_STOP_GRACE_S = 5.0
# Silence longer than this (no stats line) means the driver hangs; it is then killed.
DEFAULT_IDLE_TIMEOUT_S = 30.0
# How much of the driver's stderr an error message quotes.
STDERR_TAIL_LINES = 20
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
        waiting = config.workers_timeout_s if config.expect_workers else 0.0
        self.idle_timeout_s = idle_timeout_s or (
            max(DEFAULT_IDLE_TIMEOUT_S, 5 * config.stats_interval_s) + waiting
        )
        self.masker = Masker(secrets=secrets_of(config.auth))
        self.report: LoadReport | None = None
        self.error: ErrorLine | None = None
        self._dir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._queue: queue.Queue[object] = queue.Queue()
        self._eof = False
        self._killer: threading.Timer | None = None
        self._reader: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def returncode(self) -> int | None:
        return self._proc.poll() if self._proc else None

    def start(self) -> LoadDriver:
        """Write the config (readable by this user only: it holds the target's
        credentials) and start ``python -m loadgen.driver`` on it."""
        if self._proc is not None:
            raise RuntimeError("this load driver was already started")
        self._dir = Path(tempfile.mkdtemp(prefix="gauntlet-load-"))
        config_path = self._dir / "config.json"
        fd = os.open(config_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self.config.model_dump_json())
        self._stderr = open(self._dir / "stderr.log", "w+b")  # noqa: SIM115 (kept open)
        try:
            self._proc = subprocess.Popen(
                [self.python, "-m", "loadgen.driver", str(config_path)],
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                stdin=subprocess.DEVNULL,
                cwd=_PACKAGE_ROOT,
                # Its own session: a Ctrl-C meant for this process does not reach the
                # driver; stopping it is this object's decision (stop()).
                start_new_session=True,
            )
        except OSError as exc:
            self.close()  # the config file holds credentials: never leave it behind
            raise LoadDriverError(f"cannot start the load driver: {exc}") from exc
        self._reader = threading.Thread(target=self._read, name="gauntlet-load-reader", daemon=True)
        self._reader.start()
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
        if self._stderr is None:
            return ""
        self._stderr.flush()
        with open(self._stderr.name, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 16_384))
            text = f.read().decode("utf-8", errors="replace")
        return self.masker.text("\n".join(text.splitlines()[-lines:]))

    def close(self) -> None:
        """Kill the driver if it still runs and remove its files (config included)."""
        self.kill()
        if self._proc is not None:
            self._proc.wait()
            if self._reader is not None:
                self._reader.join(timeout=5)
            if self._proc.stdout is not None:
                self._proc.stdout.close()
        if self._killer is not None:
            self._killer.cancel()
        if self._stderr is not None:
            self._stderr.close()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

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

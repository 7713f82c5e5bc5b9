"""Child processes of a load test die with their parent (no Locust import: safe anywhere).

A load driver holds the target's credentials and drives traffic; when the process that
started it dies (a job worker SIGKILLed, an OOM kill), it must not live on as an orphan,
and neither may the Locust workers it started in turn. Linux says so to the kernel with
``prctl(PR_SET_PDEATHSIG, SIGKILL)``; elsewhere a watchdog thread polls the parent pid.

One subtlety of ``PR_SET_PDEATHSIG``: "parent" is the *thread* that forked the child. The
job thread that starts a driver stays in ``LoadDriver`` until the driver has exited, so
that thread's end is the job's end, which is what we want.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
# How often the portable watchdog looks at the parent pid.
WATCHDOG_INTERVAL_S = 0.5


def _prctl_pdeathsig(signum: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watchdog(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(WATCHDOG_INTERVAL_S)
    os.kill(os.getpid(), signal.SIGKILL)


def die_with_parent(parent_pid: int) -> None:
    """Arrange for this process to be killed (SIGKILL) as soon as ``parent_pid`` is no
    longer its parent. Call it first thing in a child process: if the parent is already
    gone (it died between fork and this call), the process is killed at once.

    The watchdog fallback uses a real thread; call this before gevent patches threading,
    or accept that the watchdog then runs as a greenlet (it only sleeps and polls).
    """
    if not _prctl_pdeathsig(signal.SIGKILL):
        threading.Thread(target=_watchdog, args=(parent_pid,), daemon=True).start()
    # The parent may have died before prctl took effect: the signal would never come.
    if os.getppid() != parent_pid:
        os.kill(os.getpid(), signal.SIGKILL)

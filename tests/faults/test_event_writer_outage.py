"""The job event writer while its Redis crashes (SIGKILL) and comes back: no event is
lost or doubled, a full buffer holds the job back, a long outage fails it with a clear
error, and a Redis that came back empty leaves a log that says so."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from actors.event_writer import EventsUnavailable, EventWriter
from storage.events import NewEvent, RedisEventStore
from tests.support import services

LINGER_S = 0.002


class Job:
    """One job's log on a private Redis, begun as submit begins it (``job.queued``)."""

    def __init__(self, server: services.PrivateServer) -> None:
        self.server = server
        self.store = RedisEventStore(server.url, key_prefix=f"t{uuid.uuid4().hex[:8]}:")
        self.id, self.org = f"job_{uuid.uuid4().hex[:10]}", "org_faults"
        self.store.append(self.id, self.org, None, [NewEvent("job.queued", "QUEUED")])

    def writer(self, **options: Any) -> EventWriter:
        return EventWriter(self.store, self.id, self.org, None, linger_s=LINGER_S, **options)

    def log(self) -> list[tuple[int, str, int | None]]:
        return [(e.seq, e.type, e.data.get("n")) for e in self.store.read(self.id, limit=10_000)]


@pytest.fixture
def job(private_redis: services.PrivateServer) -> Iterator[Job]:
    made = Job(private_redis)
    yield made
    made.store.close()


def emit_steps(writer: EventWriter, numbers: range) -> None:
    for n in numbers:
        writer.emit("step.completed", "RUNNING", {"n": n})


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def test_events_emitted_during_a_crash_are_all_stored_once_after_it(job: Job) -> None:
    writer = job.writer()
    emit_steps(writer, range(50))
    wait_for(lambda: len(job.log()) == 51, "the first events were not stored")
    services.kill_now(job.server)
    emit_steps(writer, range(50, 250))  # the job goes on: the buffer takes them
    services.restart_redis(job.server, keep_data=True)
    emit_steps(writer, range(250, 300))
    writer.close()
    log = job.log()
    assert [seq for seq, _, _ in log] == list(range(1, 302))
    assert [n for _, kind, n in log if kind == "step.completed"] == list(range(300))


def test_a_full_buffer_holds_the_job_back_until_redis_returns(job: Job) -> None:
    writer = job.writer(max_buffered=20)
    emit_steps(writer, range(5))
    wait_for(lambda: len(job.log()) == 6, "the first events were not stored")
    services.kill_now(job.server)
    emitted = []

    def run() -> None:
        for n in range(5, 105):
            writer.emit("step.completed", "RUNNING", {"n": n})
            emitted.append(n)

    emitter = threading.Thread(target=run)
    emitter.start()
    wait_for(lambda: len(emitted) >= 20, "the emitter did not fill the buffer")
    time.sleep(0.3)
    assert len(emitted) <= 20 and emitter.is_alive(), "the job ran on past a full buffer"
    services.restart_redis(job.server, keep_data=True)
    emitter.join(timeout=20)
    assert not emitter.is_alive()
    writer.close()
    assert [n for _, kind, n in job.log() if kind == "step.completed"] == list(range(105))


def test_an_outage_longer_than_the_bound_fails_the_job_with_a_clear_error(job: Job) -> None:
    writer = job.writer(max_buffered=10, give_up_s=0.5)
    services.kill_now(job.server)
    with pytest.raises(EventsUnavailable, match=r"event store was unreachable for over 0\.5 s"):
        emit_steps(writer, range(1000))
    # The job's end still tries to reach the store, and gives up on the same bound.
    writer.emit("job.failed", "FAILED", {"error": "events unavailable"})
    writer.close()


def test_a_redis_back_without_its_data_leaves_a_log_that_says_so(job: Job) -> None:
    writer = job.writer()
    emit_steps(writer, range(10))
    wait_for(lambda: len(job.log()) == 11, "the first events were not stored")
    services.restart_redis(job.server, keep_data=False)  # SIGKILL, then back empty
    emit_steps(writer, range(10, 15))
    writer.close()
    log = job.log()
    assert log[0][1] == "stream.reset" and log[0][0] > 11
    assert [n for _, kind, n in log[1:]] == list(range(10, 15))
    # A follower that had read up to seq 5 reads the reset event next.
    assert job.store.read(job.id, after=5)[0].type == "stream.reset"

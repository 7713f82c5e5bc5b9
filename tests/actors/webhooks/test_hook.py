"""The hook on the event store: step events cost no database work, lifecycle events make
one delivery row (and one message) per subscription that wants them, and nothing the
hook does can fail an append."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from actors.broker import build_broker
from actors.webhooks.hook import HookedEventStore, WebhookHook
from actors.webhooks.queue import WEBHOOK_QUEUE, DeliverySender
from core.jobs import JobKind
from storage import orgs
from storage.db import build_engine, session_scope
from storage.events import NewEvent, SqlEventStore
from storage.migrate import upgrade
from storage.models import App, Job
from storage.webhook_models import WebhookDelivery, WebhookSubscription


class World:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.broker = build_broker(None)
        self.hook = WebhookHook(engine, DeliverySender(self.broker), cache_s=60, public_url=None)
        self.store = HookedEventStore(SqlEventStore(engine), self.hook)
        self.subscription_reads = 0
        event.listen(engine, "before_cursor_execute", self._count)
        with session_scope(engine) as session:
            org, _ = orgs.get_or_create(session, "acme")
            app = App(org_id=org.id, name="a", endpoint="http://127.0.0.1:9")
            session.add(app)
            session.flush()
            job = Job(org_id=org.id, app_id=app.id, type=JobKind.RUN)
            session.add(job)
            session.commit()
            self.org_id, self.app_id, self.job_id = org.id, app.id, job.id

    def _count(self, _conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "FROM webhook_subscriptions" in statement:
            self.subscription_reads += 1

    def subscribe(self, events: list[str], app_id: str | None = None) -> str:
        with session_scope(self.engine) as session:
            row = WebhookSubscription(
                org_id=self.org_id,
                app_id=app_id,
                url="http://127.0.0.1:9/",
                events_json=json.dumps(events),
                secret_sealed="sealed",
            )
            session.add(row)
            session.commit()
            self.hook.subscriptions.forget(self.org_id)
            return row.id

    def append(self, *types: str, data: dict | None = None) -> None:
        self.store.append(
            self.job_id,
            self.org_id,
            self.app_id,
            [NewEvent(type=t, status="RUNNING", data=data or {}) for t in types],
        )

    def deliveries(self) -> list[WebhookDelivery]:
        with Session(self.engine) as session:
            return list(session.exec(select(WebhookDelivery)).all())

    def messages(self) -> int:
        return int(self.broker.queues[WEBHOOK_QUEUE].qsize())


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    engine = build_engine(f"sqlite:///{tmp_path / 'hook.db'}")
    upgrade(engine)
    made = World(engine)
    yield made
    made.store.close()
    made.broker.close()
    engine.dispose()


def test_step_events_never_look_for_subscriptions(world: World) -> None:
    world.subscribe(["job.*"])
    for _ in range(20):
        world.append(*["step.completed"] * 50, "load.stats")
    assert world.subscription_reads == 0
    assert world.deliveries() == [] and world.messages() == 0


def test_a_lifecycle_event_makes_one_delivery_per_subscription_that_wants_it(
    world: World,
) -> None:
    wanted = {world.subscribe(["job.*"]), world.subscribe(["job.started"], app_id=world.app_id)}
    world.subscribe(["job.completed"])
    world.subscribe(["job.started"], app_id="app_other")
    world.append("step.completed", "job.started", "step.completed")
    made = world.deliveries()
    assert {d.subscription_id for d in made} == wanted
    assert {(d.event_type, d.seq, d.job_id) for d in made} == {("job.started", 2, world.job_id)}
    assert world.messages() == 2


def test_an_organizations_subscriptions_are_read_once_per_cache_period(world: World) -> None:
    world.subscribe(["job.completed"])
    for _ in range(5):
        world.append("job.started")
    assert world.subscription_reads == 1


def test_a_terminal_event_also_makes_the_kinds_summary(world: World) -> None:
    world.subscribe(["run.completed"])
    result = {"test_run_id": "run_1", "status": "PASSED", "suites": {}, "steps": {}}
    world.append("job.completed", data={"result": result})
    [made] = world.deliveries()
    assert made.event_type == "run.completed"
    assert json.loads(made.payload)["data"]["test_run_id"] == "run_1"


def test_a_failing_hook_never_fails_the_append(world: World) -> None:
    world.subscribe(["job.*"])

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("broker down")

    world.hook.sender.send = broken  # type: ignore[method-assign]
    world.append("job.started")
    assert [e.type for e in world.store.read(world.job_id)] == ["job.started"]
    # The row stays PENDING: a reaper sends it once it is overdue.
    assert [d.status for d in world.deliveries()] == ["PENDING"]

"""``pages_by_key`` gives every key the page ``offset_page`` would give it alone, on
SQLite and PostgreSQL, and never crosses organizations."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from storage import orgs
from storage import runs as run_rows
from storage.db import session_scope
from storage.models import TestRun


def seed(engine: Engine) -> tuple[str, str]:
    """Org A: app1 with 5 runs, app2 with 2, app3 with none; org B: app1's id with 3."""
    with session_scope(engine) as session:
        a, _ = orgs.get_or_create(session, "a")
        b, _ = orgs.get_or_create(session, "b")
        for org_id, app_id, n in ((a.id, "app1", 5), (a.id, "app2", 2), (b.id, "app1", 3)):
            for i in range(n):
                run_rows.add_run(
                    session,
                    TestRun(
                        org_id=org_id,
                        app_id=app_id,
                        job_id=f"j{i}",
                        base_url="http://x",
                        created_at=float(i),
                    ),
                )
        session.commit()
        return a.id, b.id


@pytest.mark.parametrize(("offset", "limit"), [(0, 2), (2, 2), (4, 2), (0, 10), (9, 1)])
def test_each_key_gets_the_page_it_would_get_alone(engine: Engine, offset: int, limit: int) -> None:
    org_a, _ = seed(engine)
    with session_scope(engine) as session:
        batched = run_rows.page_runs_of_apps(
            session, org_a, ["app1", "app2", "app3"], offset, limit
        )
        for app_id in ("app1", "app2", "app3"):
            alone = run_rows.page_runs(session, org_a, app_id, offset, limit)
            page = batched[app_id]
            assert [r.id for r in page.items] == [r.id for r in alone.items]
            assert (page.total, page.has_next) == (alone.total, alone.has_next)


def test_rows_of_another_organization_never_appear(engine: Engine) -> None:
    _, org_b = seed(engine)
    with session_scope(engine) as session:
        for_b = run_rows.page_runs_of_apps(session, org_b, ["app1", "app2"], 0, 100)
    assert for_b["app1"].total == 3
    assert all(r.org_id == org_b for r in for_b["app1"].items)
    assert for_b["app2"].items == [] and for_b["app2"].total == 0


def test_no_keys_means_no_query(engine: Engine) -> None:
    with session_scope(engine) as session:
        assert run_rows.page_runs_of_apps(session, "org", [], 0, 10) == {}

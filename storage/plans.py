"""Per-organization plan overrides (``gauntlet orgs set-plan``), on top of the default plan
of the settings. Only what an operator set is stored: an absent limit follows the
default, a limit stored as null is unlimited for that organization."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import Column, Text, bindparam
from sqlalchemy import select as core_select
from sqlmodel import Field, Session, SQLModel, col, select

from core.errors import ValidationFailed
from core.plans import LIMITS, Plan, with_overrides
from storage.db import execute, table_of


class OrgPlan(SQLModel, table=True):
    __tablename__ = "org_plans"

    org_id: str = Field(primary_key=True, foreign_key="organizations.id", max_length=40)
    name: str | None = Field(default=None, max_length=100)
    limits_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    updated_at: float = Field(default_factory=time.time)

    def limits(self) -> dict[str, Any]:
        stored: dict[str, Any] = json.loads(self.limits_json)
        return stored


PLANS = table_of(OrgPlan)
_OVERRIDES = core_select(PLANS.c.name, PLANS.c.limits_json).where(
    PLANS.c.org_id == bindparam("org_id_")
)


def get(session: Session, org_id: str) -> OrgPlan | None:
    return session.get(OrgPlan, org_id)


def effective(session: Session, default: Plan, org_id: str) -> Plan:
    """The organization's plan: ``default`` with its overrides, if any. Read as one Core
    statement built once (every submission reads it; the ORM's ``get`` cost twice the
    round trip). Sees what this session flushed, not what it merely added."""
    row = execute(session, _OVERRIDES, {"org_id_": org_id}).first()
    if row is None:
        return default
    return with_overrides(default, row.name, json.loads(row.limits_json))


def set_overrides(
    session: Session,
    org_id: str,
    *,
    name: str | None = None,
    limits: dict[str, int | None] | None = None,
    inherit: list[str] | None = None,
    reset: bool = False,
) -> OrgPlan:
    """Change the organization's overrides: ``limits`` set values (None: unlimited),
    ``inherit`` drops overrides so the default applies again, ``reset`` drops them all
    first. Caller commits."""
    unknown = sorted((set(limits or {}) | set(inherit or [])) - set(LIMITS))
    if unknown:
        raise ValidationFailed(f"unknown limit(s): {', '.join(unknown)}")
    row = get(session, org_id) or OrgPlan(org_id=org_id)
    current = {} if reset else row.limits()
    if reset:
        row.name = None
    current.update(limits or {})
    for limit in inherit or []:
        current.pop(limit, None)
    if name is not None:
        row.name = name or None
    row.limits_json = json.dumps(current, sort_keys=True)
    row.updated_at = time.time()
    session.add(row)
    session.flush()
    return row


def all_overrides(session: Session) -> list[OrgPlan]:
    return list(session.exec(select(OrgPlan).order_by(col(OrgPlan.org_id))).all())

"""Organizations' plans: the default of the settings with each organization's overrides
(set on the command line, ``gauntlet orgs set-plan``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from core.errors import NotFound
from core.plans import Plan, default_plan
from core.settings import Settings
from storage import orgs
from storage import plans as plan_rows
from storage.models import Organization


def effective(session: Session, settings: Settings, org_id: str) -> Plan:
    """The organization's plan now."""
    return plan_rows.effective(session, default_plan(settings), org_id)


@dataclass(frozen=True)
class OrgPlanView:
    org: Organization
    plan: Plan
    overrides: dict[str, int | None]


def show(session: Session, settings: Settings, org_name: str) -> OrgPlanView:
    """The organization's plan and what it overrides; NotFound for an unknown name."""
    org = orgs.by_name(session, org_name)
    if org is None:
        raise NotFound(f"no organization named '{org_name}'")
    row = plan_rows.get(session, org.id)
    return OrgPlanView(org, effective(session, settings, org.id), row.limits() if row else {})


def list_all(session: Session, settings: Settings) -> list[OrgPlanView]:
    """Every organization with its plan, by name."""
    return [show(session, settings, org.name) for org in orgs.all_orgs(session)]


def set_plan(
    session: Session,
    settings: Settings,
    org_name: str,
    *,
    name: str | None = None,
    limits: dict[str, int | None] | None = None,
    inherit: list[str] | None = None,
    reset: bool = False,
) -> tuple[OrgPlanView, bool]:
    """Change an organization's overrides (creating the organization when it is new)
    and commit; ``(view, created)``. ``limits`` values None mean unlimited; ``inherit``
    names limits that follow the default again."""
    org, created = orgs.get_or_create(session, org_name)
    plan_rows.set_overrides(session, org.id, name=name, limits=limits, inherit=inherit, reset=reset)
    session.commit()
    return show(session, settings, org_name), created

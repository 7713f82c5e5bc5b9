"""Organizations and per-installation secrets."""

from __future__ import annotations

import secrets

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import InstanceSecret, Organization


def get(session: Session, org_id: str) -> Organization | None:
    return session.get(Organization, org_id)


def by_name(session: Session, name: str) -> Organization | None:
    return session.exec(select(Organization).where(Organization.name == name)).first()


def all_orgs(session: Session) -> list[Organization]:
    return list(session.exec(select(Organization).order_by(col(Organization.name))).all())


def lock(session: Session, org_id: str) -> None:
    """Serialize, until the transaction ends, the writers of one organization that call
    this first: a write that changes nothing takes the row's lock on PostgreSQL and the
    database's write lock on SQLite, so a count made after it cannot be overtaken by a
    concurrent transaction of the same organization."""
    session.execute(
        update(Organization)
        .where(col(Organization.id) == org_id)
        .values(name=Organization.name)
        .execution_options(synchronize_session=False)
    )


def get_or_create(session: Session, name: str) -> tuple[Organization, bool]:
    """The organization called ``name``, created if missing; ``(org, created)``."""
    found = by_name(session, name)
    if found:
        return found, False
    org = Organization(name=name)
    session.add(org)
    session.flush()
    return org, True


def instance_secret(session: Session, name: str) -> str:
    """A random secret shared by every process of this installation, made on first use.
    Commits on its own: racing processes must all end up with the winner's value."""
    row = session.get(InstanceSecret, name)
    if row:
        return row.value
    session.add(InstanceSecret(name=name, value=secrets.token_hex(32)))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
    row = session.get(InstanceSecret, name)
    assert row is not None
    return row.value

"""Organizations and per-installation secrets."""

from __future__ import annotations

import secrets

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage.models import InstanceSecret, Organization


def get(session: Session, org_id: str) -> Organization | None:
    return session.get(Organization, org_id)


def get_or_create(session: Session, name: str) -> tuple[Organization, bool]:
    """The organization called ``name``, created if missing; ``(org, created)``."""
    found = session.exec(select(Organization).where(Organization.name == name)).first()
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

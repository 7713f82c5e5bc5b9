"""Lookups without an organization fence, for the operator's command line only (it
talks to the database directly, as ``gauntlet keys`` does, and has no API key to take
an organization from). Never call these from the API."""

from __future__ import annotations

from sqlmodel import Session

from storage.models import App


def app_by_id(session: Session, app_id: str) -> App | None:
    """The app with this id, in whichever organization owns it."""
    return session.get(App, app_id)

"""The organization's event feed read like a datastore: filters, exact pages, a true end.

``EventStore.read_org`` filters by app, job, exact types and a start time, returns at most
``limit`` events and a cursor past them, and may stop early: the Redis store looks at no
more than 10,000 entries per call, so a narrow filter on a busy organization comes back
short (even empty) with a cursor that moved on. Taking a short answer for the end of the
feed is what cut feeds short; here the end is only where the cursor stops moving.

On top of the store this adds type globs (``step.*``), the job status at the event, an end
time (``until``) and pages of an exact size whose cursor resumes right after the last
event of the page: each store call asks for no more events than the page still needs, so
every event the store returned is either on the page or filtered out, and the store's
cursor is exactly the page's end. Positions are the store's own cursors (plain strings);
making them opaque for clients is the API's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from storage.events.base import Event, EventStore

# Store calls one page may make before it is returned short (``at_end`` False): a bound on
# the work of one request. On Redis each call looks at up to 10,000 entries, so this covers
# the longest feed it keeps (about 100,000 entries) many times over.
MAX_STORE_CALLS = 64
# Events are appended in the order of their timestamps only to within a commit's length;
# ``until`` ends the scan after the first event this much later than it.
UNTIL_SLACK = timedelta(seconds=2)


@dataclass(frozen=True)
class FeedFilter:
    """What a feed keeps. ``types`` holds exact types and ``prefix.*`` globs; ``since`` and
    ``until`` bound the event's timestamp (both inclusive)."""

    app_id: str | None = None
    job_id: str | None = None
    types: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset()
    since: datetime | None = None
    until: datetime | None = None

    @property
    def keeps_everything(self) -> bool:
        """No filter at all: every event of the feed matches."""
        return self == FeedFilter()

    @property
    def exact_types(self) -> set[str] | None:
        """The type filter the store can apply itself: only when there are no globs."""
        if not self.types or any(_is_glob(t) for t in self.types):
            return None
        return set(self.types)

    def matches(self, event: Event) -> bool:
        return (
            (self.app_id is None or event.app_id == self.app_id)
            and (self.job_id is None or event.job_id == self.job_id)
            and (not self.types or any(_type_matches(t, event.type) for t in self.types))
            and (not self.statuses or event.status in self.statuses)
            and (self.since is None or event.timestamp >= _utc(self.since))
            and (self.until is None or event.timestamp <= _utc(self.until))
        )

    def past_until(self, event: Event) -> bool:
        """True once the feed has gone far enough beyond ``until`` to stop looking."""
        return self.until is not None and event.timestamp > _utc(self.until) + UNTIL_SLACK


@dataclass(frozen=True)
class FeedPage:
    """Events in feed order; ``position`` resumes right after the last one (or after what
    was scanned past it); ``at_end``: nothing more matches now (the feed's current end, or
    past ``until`` — then nothing ever will, see ``finished``)."""

    events: list[Event]
    position: str | None
    at_end: bool
    finished: bool = False


def read_feed(
    store: EventStore,
    org_id: str,
    query: FeedFilter,
    after: str | None,
    limit: int,
    *,
    fill: bool = True,
) -> FeedPage:
    """Up to ``limit`` events of the organization matching ``query``, after ``after``
    (a position from an earlier page; None: from the start of the feed). Short of
    ``limit`` only at the end of the feed, after ``until``, or when the work bound of one
    page was reached (``at_end`` False: ask again from ``position``).

    ``fill=False`` (a live tail, which waits on the store between reads anyway) returns
    after the first store call that moved, without reading on to prove the end."""
    matched: list[Event] = []
    position = after
    for _ in range(MAX_STORE_CALLS):
        batch, moved_to = store.read_org(
            org_id,
            after_cursor=position,
            app_id=query.app_id,
            job_id=query.job_id,
            types=query.exact_types,
            since=query.since,
            limit=limit - len(matched),
        )
        if moved_to == position:
            return FeedPage(matched, position, at_end=True)
        position = moved_to
        for event in batch:
            if query.past_until(event):
                return FeedPage(matched, position, at_end=True, finished=True)
            if query.matches(event):
                matched.append(event)
        if len(matched) == limit or not fill:
            return FeedPage(matched, position, at_end=False)
    return FeedPage(matched, position, at_end=False)


def _is_glob(pattern: str) -> bool:
    return pattern.endswith("*")


def _type_matches(pattern: str, event_type: str) -> bool:
    # ``step.*`` is every type starting ``step.``; ``*`` alone is every type.
    if _is_glob(pattern):
        return event_type.startswith(pattern[:-1])
    return event_type == pattern


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

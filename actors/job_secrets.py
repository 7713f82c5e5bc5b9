"""The secrets of a job, and the one masker that keeps them out of everything the job
writes: events, its result and error, reports, load reports.

A job's secrets are the app's target credentials (every auth type: the token, the basic
password and its encoded pair, the header or query value, and those names) and the user
info of the URLs it talks to (``https://user:password@host``). The runner masks the
records it builds with the same masker, so that a target echoing a credential back
(into a header, a body, an assertion's actual value or a reason) does not put it in
front of a read key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from runner import Masker, parse_auth, secret_names, secrets_of, userinfo_secrets
from storage.models import App, Job


def job_masker(auth: Mapping[str, Any] | None, urls: tuple[str | None, ...] = ()) -> Masker:
    """A masker for the credentials ``auth`` holds and the user info of ``urls``."""
    try:
        parsed = parse_auth(auth)
    except ValidationError:
        parsed = None
    header_names, query_names = secret_names(parsed)
    found = list(secrets_of(parsed))
    for url in urls:
        if url:
            found.extend(userinfo_secrets(url))
    return Masker(tuple(dict.fromkeys(found)), header_names, query_names)


def masker_for(job: Job, app: App | None) -> Masker:
    """The masker of ``job``: the credentials of its ``app`` (read by the worker in the
    claim's transaction, as the job will use them) and the user info of its base URL and
    of the app's endpoint."""
    auth = json.loads(app.auth_json) if app is not None and app.auth_json else None
    try:
        params = json.loads(job.params_json)
    except ValueError:
        params = {}
    base_url = params.get("base_url") if isinstance(params, dict) else None
    endpoint = app.endpoint if app is not None else None
    return job_masker(auth, (base_url if isinstance(base_url, str) else None, endpoint))

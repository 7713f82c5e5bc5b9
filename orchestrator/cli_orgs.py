"""``gauntlet orgs``: organizations' plans (quotas and concurrency limits), and
``gauntlet routes``: what every API route needs.

Like ``gauntlet keys``, these use the database of the settings directly (no API key):
they are for operators of the installation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from core.errors import GauntletError
from core.plans import LIMITS
from core.settings import get_settings

if TYPE_CHECKING:
    from sqlmodel import Session

    from orchestrator.services.plans import OrgPlanView

orgs_app = typer.Typer(
    help="Organizations' plans: quotas and concurrency limits (no API key needed).",
    no_args_is_help=True,
)

LimitOption = Annotated[
    str | None,
    typer.Option(help="A number, 'unlimited', or 'default' (follow GAUNTLET_QUOTA_*)."),
]


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    raise typer.Exit(2)


@contextmanager
def _session() -> Iterator[Session]:
    from orchestrator.runtime import build_runtime
    from storage.db import session_scope

    runtime = build_runtime(get_settings())
    try:
        with session_scope(runtime.engine) as session:
            yield session
    except GauntletError as exc:
        _fail(exc.message)
    finally:
        runtime.close()


def parse_limit(option: str, text: str) -> int | str | None:
    """A limit as typed: an int (>= 0), None for 'unlimited', 'default' to inherit."""
    value = text.strip().lower()
    if value in ("unlimited", "none"):
        return None
    if value == "default":
        return "default"
    if not value.isdigit():
        _fail(f"--{option}: expected a number, 'unlimited' or 'default', got '{text}'")
    return int(value)


def _describe(view: OrgPlanView) -> Iterator[str]:
    plan = view.plan
    yield f"organization {view.org.name} ({view.org.id})"
    yield f"plan         {plan.name}{' (customized)' if plan.customized else ''}"
    for limit in LIMITS:
        value = plan.limit(limit)
        source = "organization" if limit in view.overrides else "default"
        shown = "unlimited" if value is None else str(value)
        yield f"{limit:<32} {shown:<12} {source}"


@orgs_app.command("set-plan")
def set_plan(
    org: Annotated[str, typer.Argument(help="Organization name; created if missing.")],
    runs_per_month: LimitOption = None,
    generations_per_month: LimitOption = None,
    load_test_vu_seconds: LimitOption = None,
    apps: LimitOption = None,
    concurrent_jobs: LimitOption = None,
    concurrent_virtual_users: LimitOption = None,
    name: Annotated[
        str | None, typer.Option(help="The plan's name ('' for the default's).")
    ] = None,
    reset: Annotated[bool, typer.Option(help="Drop every override first.")] = False,
) -> None:
    """Set an organization's own limits on top of the default plan; prints the result."""
    from orchestrator.services import plans

    given = {
        "runs_per_month": runs_per_month,
        "generations_per_month": generations_per_month,
        "load_test_vu_seconds_per_month": load_test_vu_seconds,
        "apps": apps,
        "concurrent_jobs": concurrent_jobs,
        "concurrent_virtual_users": concurrent_virtual_users,
    }
    limits: dict[str, int | None] = {}
    inherit: list[str] = []
    for limit, text in given.items():
        if text is None:
            continue
        value = parse_limit(limit.replace("_", "-"), text)
        if value == "default":
            inherit.append(limit)
        elif value == 0 and limit.startswith("concurrent_"):
            _fail(f"--{limit.replace('_', '-')}: at least 1 (or 'unlimited')")
        else:
            limits[limit] = value if isinstance(value, int) else None
    if not org.strip():
        _fail("the organization name must not be empty")
    with _session() as session:
        view, created = plans.set_plan(
            session,
            get_settings(),
            org.strip(),
            name=name,
            limits=limits,
            inherit=inherit,
            reset=reset,
        )
    if created:
        typer.echo(f"created organization {view.org.name}")
    for line in _describe(view):
        typer.echo(line)


@orgs_app.command("show")
def show(org: Annotated[str, typer.Argument(help="Organization name.")]) -> None:
    """An organization's plan: each limit and where it comes from."""
    from orchestrator.services import plans

    with _session() as session:
        view = plans.show(session, get_settings(), org.strip())
    for line in _describe(view):
        typer.echo(line)


@orgs_app.command("list")
def list_orgs() -> None:
    """Every organization with its plan (tab-separated: name, id, plan, limits)."""
    from orchestrator.services import plans

    with _session() as session:
        views = plans.list_all(session, get_settings())
    for view in views:
        plan = view.plan
        limits = " ".join(
            f"{limit}={'unlimited' if plan.limit(limit) is None else plan.limit(limit)}"
            for limit in LIMITS
        )
        typer.echo(f"{view.org.name}\t{view.org.id}\t{plan.name}\t{limits}")


def routes() -> None:
    """Every API route with the scope it needs and what keys limited to apps get there."""
    from orchestrator.auth.routes import RULES

    width = max(len(path) for _, path in RULES)
    for (method, path), rule in RULES.items():
        scope = rule.scope or "(any key)"
        typer.echo(f"{method:<7}/client/v1{path:<{width}}  {scope:<18} {rule.apps}")

"""The `Domain` object: everything a product package contributes to the app, in one value.

Known domains are listed once, in `DOMAIN_MODULES` (module names as strings: core imports no
domain statically). `main.create_app()` mounts `accounts` and the domains named in
`MOSAIC_DOMAINS` and installs what each declares: routers, permissions and default roles, jobs
and schedules, plan-limit counters, rate-limit exemptions, encrypted columns and start-up /
shutdown hooks. Nothing registers itself when a module is imported, so two apps in one process
(the tests build several) never see each other's jobs or counters, and switching a domain off
in `MOSAIC_DOMAINS` removes everything it brings.

Adding a domain means adding its package (with a module-level `domain = Domain(...)`) and one
line in `DOMAIN_MODULES`.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from croniter import croniter
from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.core.config import Settings
from mosaic.core.constraints import ErrorSpec
from mosaic.core.jobs import TaskSpec

if TYPE_CHECKING:
    from fastapi import FastAPI

    from mosaic.core.inbox import InboxHandler
    from mosaic.core.secretbox import EncryptedColumn

SeedFunction = Callable[[AsyncSession, Settings], Awaitable[None]]
# Counts what a user holds of one plan-limited resource (the names plans use in `limits[].resource`).
LimitCounter = Callable[[AsyncSession, uuid.UUID], Awaitable[int]]
# Run once in the app's lifespan, after the core services and before/after serving.
LifespanHook = Callable[["FastAPI"], Awaitable[None]]
# Called by accounts' billing, in the transaction that applies a verified payment event, for the
# charges whose reference kind the domain claims ("booking", "plan_subscription"); the argument is
# an `accounts.billing.service.ChargeUpdate` (core imports neither accounts nor providers).
PaymentHandler = Callable[[AsyncSession, Any], Awaitable[None]]

# Every domain package Mosaic ships, by the name `MOSAIC_DOMAINS` uses. `accounts` is always on.
DOMAIN_MODULES: dict[str, str] = {
    "accounts": "mosaic.accounts",
    "trading": "mosaic.trading",
    "booking": "mosaic.booking",
    "study": "mosaic.study",
}
ALWAYS_ON = ("accounts",)


@dataclass(frozen=True, slots=True)
class PermissionSpec:
    """A `resource:action` permission a domain defines, with a description for admins."""

    resource: str
    action: str
    description: str = ""

    @property
    def name(self) -> str:
        return f"{self.resource}:{self.action}"


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    """A periodic job: the registered job `task` runs at every tick of `cron` (five fields, UTC).

    `ScheduledJob("expire-holds", "booking.expire_holds", "* * * * *")` runs each minute,
    `"0 * * * *"` hourly, `"0 6 * * *"` daily at 06:00, `"0 3 * * 1"` on Mondays at 03:00.
    Each tick runs once across all processes (a lease row, `mosaic.core.jobs.schedule`); a run
    still going after `timeout_seconds` is presumed dead and no longer blocks later ticks.
    """

    name: str
    task: str
    cron: str
    timeout_seconds: float = 3600.0

    def __post_init__(self) -> None:
        if len(self.cron.split()) != 5 or not croniter.is_valid(self.cron):
            raise ValueError(f"schedule {self.name!r}: {self.cron!r} is not a five-field cron expression")

    def next_tick(self, after: datetime) -> datetime:
        """The first tick strictly after `after` (timezone-aware UTC)."""
        tick: datetime = croniter(self.cron, after.astimezone(UTC)).get_next(datetime)
        return tick

    def last_tick(self, at: datetime) -> datetime:
        """The latest tick at or before `at`: the one a run started at `at` belongs to."""
        start = at.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=1)
        tick: datetime = croniter(self.cron, start).get_prev(datetime)
        return tick


@dataclass(frozen=True, slots=True)
class Domain:
    name: str
    routers: Sequence[APIRouter] = ()
    permissions: Sequence[PermissionSpec] = ()
    # role name -> permission names ("*" grants all the domain's permissions)
    default_roles: Mapping[str, Sequence[str]] = field(default_factory=dict)
    seed: SeedFunction | None = None
    # The jobs (`@job`-marked functions) this domain's code enqueues; only these are runnable.
    jobs: Sequence[TaskSpec] = ()
    scheduled_jobs: Sequence[ScheduledJob] = ()
    constraint_errors: Mapping[str, ErrorSpec] = field(default_factory=dict)
    # Plan-limit counters by resource name, read by `require_within_limit(resource)`.
    limit_counters: Mapping[str, LimitCounter] = field(default_factory=dict)
    # Path prefixes (full paths, e.g. "/api/v1/webhooks") the general rate limit does not count.
    rate_limit_exempt: Sequence[str] = ()
    # Secret-box columns `mosaic rotate-keys` re-seals under the newest key.
    encrypted_columns: Sequence[EncryptedColumn] = ()
    # External-event handlers by provider (`core/inbox.py`): webhooks recorded for that provider
    # are handled by it, once each, after commit.
    inbox_handlers: Mapping[str, InboxHandler] = field(default_factory=dict)
    on_startup: Sequence[LifespanHook] = ()
    on_shutdown: Sequence[LifespanHook] = ()
    # Payment reference kind -> what to do when one of its charges is paid, refunded or lapses.
    payment_handlers: Mapping[str, PaymentHandler] = field(default_factory=dict)

    def public_routes(self) -> Iterator[tuple[str, str]]:
        """(method, path) of this domain's routes marked `@public` (paths relative to the API prefix)."""
        from mosaic.core.access import PUBLIC, endpoint_access

        for router in self.routers:
            for route in router.routes:
                endpoint: Any = getattr(route, "endpoint", None)
                if endpoint is not None and endpoint_access(endpoint) == PUBLIC:
                    for method in sorted(getattr(route, "methods", ()) or ()):
                        yield method, str(getattr(route, "path", ""))


def resolve_domain_names(requested: Sequence[str]) -> list[str]:
    """`all` means every known domain; an unknown name stops start-up with the list of valid ones."""
    names = list(DOMAIN_MODULES) if "all" in requested else [*ALWAYS_ON, *requested]
    unknown = [name for name in names if name not in DOMAIN_MODULES]
    if unknown:
        raise ValueError(f"MOSAIC_DOMAINS names unknown domain(s) {unknown}; known: {sorted(DOMAIN_MODULES)}")
    return list(dict.fromkeys(names))


def import_domain(name: str) -> Domain:
    module = importlib.import_module(DOMAIN_MODULES[name])
    domain = getattr(module, "domain", None)
    if not isinstance(domain, Domain):
        raise TypeError(f"{DOMAIN_MODULES[name]} has no module-level `domain = Domain(...)`")
    return domain


def load_domains(requested: Sequence[str]) -> list[Domain]:
    return [import_domain(name) for name in resolve_domain_names(requested)]


def import_all_domains() -> list[Domain]:
    """Every known domain, on or off: their models join `Base.metadata` (Alembic sees every table)."""
    return [import_domain(name) for name in DOMAIN_MODULES]

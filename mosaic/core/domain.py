"""The `Domain` object: everything a product package contributes to the app, in one value.

`main.create_app()` mounts `accounts` and the domains named in `MOSAIC_DOMAINS`; the seed command,
the RBAC defaults and the job scheduler read the same objects, so a domain is switched on or off
in one place.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from croniter import croniter
from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.core.config import Settings

SeedFunction = Callable[[AsyncSession, Settings], Awaitable[None]]


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
    scheduled_jobs: Sequence[ScheduledJob] = ()

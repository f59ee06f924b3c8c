"""The `Domain` object: everything a product package contributes to the app, in one value.

`main.create_app()` mounts `accounts` and the domains named in `MOSAIC_DOMAINS`; the seed command,
the RBAC defaults and the job scheduler read the same objects, so a domain is switched on or off
in one place.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.core.config import Settings
from mosaic.core.constraints import ErrorSpec

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
    """A periodic job: `task` is the registered job name, run every `every_seconds`."""

    name: str
    task: str
    every_seconds: float


@dataclass(frozen=True, slots=True)
class Domain:
    name: str
    routers: Sequence[APIRouter] = ()
    permissions: Sequence[PermissionSpec] = ()
    # role name -> permission names ("*" grants all the domain's permissions)
    default_roles: Mapping[str, Sequence[str]] = field(default_factory=dict)
    seed: SeedFunction | None = None
    scheduled_jobs: Sequence[ScheduledJob] = ()
    constraint_errors: Mapping[str, ErrorSpec] = field(default_factory=dict)

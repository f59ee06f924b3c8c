"""The services a Mosaic process runs on, built in one place for the API and for `mosaic worker`.

Both kinds of process must see the same world: a worker's commit has to invalidate the cache
the API reads (the invalidation hook is attached here, to every session of the database), and a
job must send mail, store files and call the AI through the providers the API would use. Here,
not in `core`, because core imports no provider.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mosaic.core.cache import Cache, attach_invalidation, build_cache
from mosaic.core.config import Settings
from mosaic.core.database import Database
from mosaic.core.domain import Domain, ScheduledJob
from mosaic.core.inbox import InboxRegistry
from mosaic.core.jobs import JobContext, JobQueue, TaskRegistry
from mosaic.providers.ai import AIClient, AIConfig, build_ai_client
from mosaic.providers.email import EmailProvider, build_email_provider
from mosaic.providers.storage import StorageProvider, build_storage


@dataclass
class Services:
    settings: Settings
    database: Database
    cache: Cache
    email: EmailProvider
    storage: StorageProvider
    # The deployment's default AI client (AI_PROVIDER); per-agent clients are built from it by domains.
    ai: AIClient
    # Where `core.handle_external_event` finds each provider's handler: the enabled domains'
    # `inbox_handlers`, so every process of one deployment has the same.
    inbox: InboxRegistry = field(default_factory=InboxRegistry)

    def providers(self) -> dict[str, Any]:
        """The providers by the names jobs ask for (`ctx.service("email")`)."""
        return {"email": self.email, "storage": self.storage, "ai": self.ai, "inbox": self.inbox}

    def job_context(
        self,
        jobs: JobQueue | None,
        schedule: Sequence[ScheduledJob] = (),
        tasks: TaskRegistry | None = None,
    ) -> JobContext:
        return JobContext(
            settings=self.settings,
            database=self.database,
            cache=self.cache,
            jobs=jobs,
            services=self.providers(),
            schedule=schedule,
            tasks=tasks,
        )

    async def close(self) -> None:
        await self.cache.close()
        await self.database.dispose()


def build_services(settings: Settings, domains: Sequence[Domain] = ()) -> Services:
    database = Database(settings)
    cache = build_cache(settings)
    attach_invalidation(database, cache)
    return Services(
        settings=settings,
        database=database,
        cache=cache,
        email=build_email_provider(settings),
        storage=build_storage(settings),
        ai=build_ai_client(AIConfig.from_settings(settings)),
        inbox=InboxRegistry(
            {provider: handler for domain in domains for provider, handler in domain.inbox_handlers.items()}
        ),
    )

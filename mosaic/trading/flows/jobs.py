"""The `trading.run_flow` job: execute a queued run's steps in order through each agent's provider.

Each step is recorded in its own transaction, guarded by `steps_completed` (the number of steps
the job saw recorded) and `status = 'running'`, so progress is visible while the run goes on, a
failure never leaves half a step, and a duplicated or redelivered message can neither record a
step twice nor touch a finished run. A redelivery of a run left `running` by a lost worker
resumes after its last recorded step. No transaction is open while a model is being called.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.accounts.notifications.service import notify
from mosaic.accounts.users.models import User
from mosaic.core.cache import Cache
from mosaic.core.config import Settings
from mosaic.core.database import Database, utcnow
from mosaic.core.errors import NotFound
from mosaic.core.jobs import JobContext, JobQueue, job
from mosaic.providers.ai import AIConfig, AIError, SharedCompletionCache, build_ai_client
from mosaic.trading.agents.service import usable_agent
from mosaic.trading.common import fixed_point, quantize
from mosaic.trading.flows.models import Flow, FlowRun
from mosaic.trading.flows.templating import render, step_variables
from mosaic.trading.prompts.service import visible_prompt

logger = logging.getLogger("mosaic.trading")

RUN_FLOW = "trading.run_flow"
FINISHED = frozenset({"succeeded", "failed"})


@dataclass(frozen=True, slots=True)
class StepCall:
    """What one step needs, read in a short transaction before the (slow) model call."""

    template: str
    provider: str
    model_id: str
    config: dict[str, Any]


@job(RUN_FLOW, max_retries=2, retry_backoff=1.0)
async def run_flow(ctx: JobContext, run_id: str) -> str:
    return await execute_run(ctx.settings, ctx.database, uuid.UUID(run_id), ctx.jobs, ctx.cache)


async def execute_run(
    settings: Settings,
    database: Database,
    run_id: uuid.UUID,
    jobs: JobQueue | None = None,
    cache: Cache | None = None,
) -> str:
    """Run (or resume) `run_id`; returns its final status, or why nothing was done."""
    async with database.transaction() as session:
        run = await session.get(FlowRun, run_id)
        if run is None:
            logger.warning("flow run %s not found; nothing to do", run_id)
            return "missing"
        if run.status in FINISHED:
            logger.info("flow run %s already %s; nothing to do", run_id, run.status)
            return run.status
        flow = await session.get(Flow, run.flow_id)
        if run.status == "queued":
            claimed = await session.execute(
                update(FlowRun)
                .where(FlowRun.id == run_id, FlowRun.status == "queued")
                .values(status="running", started_at=utcnow(), updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                logger.info("flow run %s was claimed by another worker", run_id)
                return "claimed"
        else:
            logger.warning(
                "flow run %s was left running; resuming after step %d", run_id, run.steps_completed
            )
        state = _RunState(run, flow, jobs)
        if flow is None or flow.is_deleted or flow.status != "active":
            reason = "deleted" if flow is None or flow.is_deleted else flow.status
            await _finish(session, state, f"The flow was {reason} before the run started")
            return "failed"

    while state.next_index < len(state.plan):
        call, record = await _prepare(database, state)
        if call is not None:
            record = await _call(settings, call, record, cache)
        if not await _record_step(database, state, record):
            return "superseded"
        if record["error"] is not None:
            return "failed"

    async with database.transaction() as session:
        if not await _finish(session, state, None):
            return "superseded"
    return "succeeded"


class _RunState:
    def __init__(self, run: FlowRun, flow: Flow | None, jobs: JobQueue | None = None) -> None:
        self.jobs = jobs  # for the email copy of the finished-run notification
        self.run_id = run.id
        self.user_id = run.user_id
        self.flow_id = run.flow_id
        self.flow_title = flow.title if flow is not None else ""
        self.input: dict[str, Any] = dict(run.input or {})
        self.plan: list[dict[str, Any]] = sorted((flow.steps if flow else []), key=lambda s: s["step"])
        self.records: list[dict[str, Any]] = list(run.steps or [])
        self.total_tokens = run.total_tokens
        self.total_cost = run.total_cost_usd

    @property
    def next_index(self) -> int:
        return len(self.records)

    @property
    def previous_output(self) -> str | None:
        return self.records[-1]["output"] if self.records else None


def _blank_record(step: dict[str, Any]) -> dict[str, Any]:
    return {
        "step": step["step"],
        "prompt_id": step["prompt_id"],
        "agent_id": step["agent_id"],
        "input": "",
        "output": None,
        "tokens": {"prompt": 0, "completion": 0, "total": 0},
        "cost_usd": fixed_point(quantize(Decimal(0))),
        "duration_ms": 0,
        "error": None,
        "error_code": None,
    }


async def _prepare(database: Database, state: _RunState) -> tuple[StepCall | None, dict[str, Any]]:
    """Read the step's prompt and agent again: either may have been deleted since the flow was saved."""
    step = state.plan[state.next_index]
    record = _blank_record(step)
    async with database.transaction() as session:
        try:
            prompt = await visible_prompt(session, state.user_id, uuid.UUID(step["prompt_id"]))
            agent = await usable_agent(session, uuid.UUID(step["agent_id"]))
        except NotFound as exc:
            record.update(
                error=f"{exc.message} (it was deleted, made private or deactivated)", error_code="NOT_FOUND"
            )
            return None, record
        record["input"] = render(prompt.prompt, step_variables(state.input, state.previous_output))
        config = {**(agent.config or {}), **(step.get("config") or {})}
        return StepCall(record["input"], agent.provider, agent.model_id, config), record


async def _call(
    settings: Settings, call: StepCall, record: dict[str, Any], cache: Cache | None = None
) -> dict[str, Any]:
    started = time.monotonic()
    try:
        config = AIConfig.for_agent(
            settings, provider=call.provider, model_id=call.model_id, config=call.config
        )
        system = call.config.get("system")
        # The app's core cache (shared through Redis when configured) holds the answers.
        shared = SharedCompletionCache(cache) if cache is not None else None
        completion = await build_ai_client(config, cache=shared).complete(
            call.template, system=system if isinstance(system, str) else None
        )
    except AIError as exc:
        record.update(error=exc.message, error_code=exc.error_code)
    except ValueError as exc:  # the agent's stored config is out of range
        record.update(error=f"Invalid agent configuration: {exc}", error_code="INVALID_CONFIG")
    except Exception:
        logger.exception("flow step %s failed unexpectedly", record["step"])
        record.update(error="The step failed unexpectedly", error_code="INTERNAL_ERROR")
    else:
        usage = completion.usage
        record.update(
            output=completion.text,
            tokens={
                "prompt": usage.prompt_tokens,
                "completion": usage.completion_tokens,
                "total": usage.total,
            },
            cost_usd=fixed_point(quantize(completion.cost_usd)),
        )
    record["duration_ms"] = int((time.monotonic() - started) * 1000)
    return record


async def _record_step(database: Database, state: _RunState, record: dict[str, Any]) -> bool:
    """Append one step (and, when it failed, finish the run) in one transaction; False if superseded."""
    tokens = state.total_tokens + record["tokens"]["total"]
    cost = quantize(state.total_cost + Decimal(record["cost_usd"]))
    async with database.transaction() as session:
        result = await session.execute(
            update(FlowRun)
            .where(
                FlowRun.id == state.run_id,
                FlowRun.status == "running",
                FlowRun.steps_completed == state.next_index,
            )
            .values(
                steps=[*state.records, record],
                steps_completed=state.next_index + 1,
                total_tokens=tokens,
                total_cost_usd=cost,
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            logger.info("flow run %s step %s was recorded elsewhere; stopping", state.run_id, record["step"])
            return False
        state.records.append(record)
        state.total_tokens, state.total_cost = tokens, cost
        if record["error"] is not None:
            await _finish(session, state, f"Step {record['step']} failed: {record['error']}")
    logger.info(
        "flow run %s step %s %s in %d ms",
        state.run_id,
        record["step"],
        "failed" if record["error"] else "done",
        record["duration_ms"],
    )
    return True


async def _finish(session: AsyncSession, state: _RunState, error: str | None) -> bool:
    """Close the run (only if still running), stamp the flow and tell its owner."""
    now = utcnow()
    status = "failed" if error else "succeeded"
    result = await session.execute(
        update(FlowRun)
        .where(FlowRun.id == state.run_id, FlowRun.status == "running")
        .values(status=status, error=error, finished_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await session.execute(
        update(Flow)
        .where(Flow.id == state.flow_id)
        .values(last_run_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    user = await session.get(User, state.user_id)
    if user is not None:
        title = "Flow failed" if error else "Flow finished"
        description = (
            f"'{state.flow_title}': {error}"
            if error
            else f"'{state.flow_title}' ran {len(state.records)} step(s), {state.total_tokens} tokens."
        )
        await notify(session, user, title, description, category="flows", email=True, jobs=state.jobs)
    logger.info("flow run %s %s", state.run_id, status)
    return True

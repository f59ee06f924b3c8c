"""Flows through HTTP: CRUD, ownership, mass assignment, plan limits, runs chained through the
offline provider in the in-process runner, provider failures that stop a run cleanly."""

from __future__ import annotations

import itertools
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from mosaic.trading.flows.jobs import execute_run
from tests.accounts.conftest import Account, new_account, outbox_messages
from tests.trading.conftest import API, create_agent, create_template

FLOWS = f"{API}/flows"
PASSAGE = (
    "Bitcoin rose four percent overnight as spot ETF inflows reached a record. "
    "Ether followed with a smaller gain while trading volumes stayed thin. "
    "Analysts expect volatility ahead of the central bank meeting on Wednesday."
)
CHAIN = "Summarise for {symbol}.\nText: {previous_output}"


async def make_flow(
    client: httpx.AsyncClient, account: Account, steps: list[dict[str, Any]], **overrides: Any
) -> httpx.Response:
    body = {"title": f"Flow {uuid.uuid4().hex[:8]}", "description": "test", "steps": steps, **overrides}
    return await client.post(FLOWS, json=body, headers=account.headers)


def step(n: int, prompt: dict[str, Any], agent: dict[str, Any], **config: Any) -> dict[str, Any]:
    return {"step": n, "prompt_id": prompt["id"], "agent_id": agent["id"], "config": config}


@pytest.fixture
async def agent(client: httpx.AsyncClient, admin: Account) -> dict[str, Any]:
    return await create_agent(client, admin)


@pytest.fixture
async def chain_prompt(client: httpx.AsyncClient, admin: Account) -> dict[str, Any]:
    return await create_template(client, admin, prompt=CHAIN)


async def created_flow(
    client: httpx.AsyncClient, account: Account, steps: list[dict[str, Any]], **overrides: Any
) -> dict[str, Any]:
    response = await make_flow(client, account, steps, **overrides)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def run(
    client: httpx.AsyncClient, account: Account, flow_id: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    """POST /run (the in-process runner executes the job before the call returns), then the run."""
    response = await client.post(f"{FLOWS}/{flow_id}/run", json=body, headers=account.headers)
    assert response.status_code == 202, response.text
    queued = response.json()["data"]
    assert queued["status"] == "queued" and queued["steps"] == [] and queued["started_at"] is None
    final = await client.get(f"{API}/flow-runs/{queued['id']}", headers=account.headers)
    assert final.status_code == 200
    data: dict[str, Any] = final.json()["data"]
    return data


# -- CRUD --------------------------------------------------------------------------------------
async def test_crud_orders_steps_filters_sorts_and_soft_deletes(client, user_a, agent, chain_prompt):
    flow = await created_flow(
        client,
        user_a,
        [step(5, chain_prompt, agent, system="Be brief."), step(1, chain_prompt, agent, temperature=0.5)],
        title="Zulu brief",
    )
    assert [s["step"] for s in flow["steps"]] == [1, 5]
    assert flow["steps"][0]["config"] == {"temperature": 0.5}
    assert flow["status"] == "active" and flow["last_run_at"] is None and "user_id" not in flow
    other = await created_flow(client, user_a, [step(0, chain_prompt, agent)], title="Alpha brief")

    listed = (await client.get(FLOWS, params={"sort": "title"}, headers=user_a.headers)).json()["data"]
    assert [f["title"] for f in listed["items"]] == ["Alpha brief", "Zulu brief"] and listed["total"] == 2
    page = (await client.get(FLOWS, params={"limit": 1, "offset": 1}, headers=user_a.headers)).json()["data"]
    assert page["total"] == 2 and len(page["items"]) == 1 and page["has_more"] is False
    found = (await client.get(FLOWS, params={"q": "zul"}, headers=user_a.headers)).json()["data"]
    assert [f["id"] for f in found["items"]] == [flow["id"]]

    paused = await client.put(f"{FLOWS}/{other['id']}", json={"status": "paused"}, headers=user_a.headers)
    assert paused.status_code == 200 and paused.json()["data"]["status"] == "paused"
    by_status = (await client.get(FLOWS, params={"status": "paused"}, headers=user_a.headers)).json()["data"]
    assert [f["id"] for f in by_status["items"]] == [other["id"]]

    updated = await client.put(
        f"{FLOWS}/{flow['id']}",
        json={"description": "new", "steps": [step(0, chain_prompt, agent)]},
        headers=user_a.headers,
    )
    assert updated.status_code == 200
    assert updated.json()["data"]["description"] == "new" and len(updated.json()["data"]["steps"]) == 1
    assert updated.json()["data"]["title"] == "Zulu brief"

    assert (await client.delete(f"{FLOWS}/{flow['id']}", headers=user_a.headers)).status_code == 200
    assert (await client.get(f"{FLOWS}/{flow['id']}", headers=user_a.headers)).status_code == 404
    assert (await client.delete(f"{FLOWS}/{flow['id']}", headers=user_a.headers)).status_code == 404
    remaining = (await client.get(FLOWS, headers=user_a.headers)).json()["data"]
    assert [f["id"] for f in remaining["items"]] == [other["id"]]


async def test_invalid_flows_are_refused(client, user_a, user_b, admin, agent, chain_prompt):
    good = step(0, chain_prompt, agent)
    cases: list[tuple[list[dict[str, Any]], dict[str, Any]]] = [
        ([], {}),
        ([step(i, chain_prompt, agent) for i in range(21)], {}),
        ([step(-1, chain_prompt, agent)], {}),
        ([step(0, chain_prompt, agent, temperature=5)], {}),
        ([step(0, chain_prompt, agent, max_retries="many")], {}),
        ([step(0, chain_prompt, agent, system=["not", "text"])], {}),
        ([{**good, "extra": 1}], {}),
        ([good], {"user_id": user_b.id}),
        ([good], {"status": "paused"}),
        ([good], {"last_run_at": "2026-01-01T00:00:00Z"}),
        ([good], {"id": str(uuid.uuid4())}),
        ([good], {"title": ""}),
    ]
    for steps, overrides in cases:
        response = await make_flow(client, user_a, steps, **overrides)
        assert response.status_code == 422, (steps, overrides, response.text)
        assert response.json()["error"]["code"] == "VALIDATION_ERROR"

    # Unique step numbers are a rule across items the schema cannot state: a 400, on create and update.
    twice = await make_flow(client, user_a, [good, step(0, chain_prompt, agent)])
    assert twice.status_code == 400, twice.text
    assert twice.json()["error"]["code"] == "VALIDATION_ERROR"
    assert twice.json()["error"]["details"][0]["field"] == "steps.1.step"
    created = (await make_flow(client, admin, [good])).json()["data"]  # admins: no plan limit
    twice_on_update = await client.put(
        f"{FLOWS}/{created['id']}", json={"steps": [good, good]}, headers=admin.headers
    )
    assert twice_on_update.status_code == 400, twice_on_update.text

    missing_prompt = await make_flow(client, user_a, [{**good, "prompt_id": str(uuid.uuid4())}])
    assert missing_prompt.status_code == 404
    assert missing_prompt.json()["error"]["details"][0]["field"] == "steps.0.prompt_id"
    private = await client.post(
        f"{API}/prompts/mine", json={"title": "B's", "prompt": "secret {x}"}, headers=user_b.headers
    )
    foreign = await make_flow(client, user_a, [{**good, "prompt_id": private.json()["data"]["id"]}])
    assert foreign.status_code == 404
    mine = await client.post(
        f"{API}/prompts/mine",
        json={"title": "A's", "prompt": "Text: {previous_output}"},
        headers=user_a.headers,
    )
    assert (
        await make_flow(client, user_a, [{**good, "prompt_id": mine.json()["data"]["id"]}])
    ).status_code == 201

    inactive = await create_agent(client, admin, is_active=False)
    refused = await make_flow(client, user_a, [step(0, chain_prompt, inactive)])
    assert refused.status_code == 404 and refused.json()["error"]["details"][0]["field"] == "steps.0.agent_id"

    flow = (await client.get(FLOWS, headers=user_a.headers)).json()["data"]["items"][0]
    for body in ({"last_run_at": "2026-01-01T00:00:00Z"}, {"user_id": user_b.id}, {"status": "done"}):
        response = await client.put(f"{FLOWS}/{flow['id']}", json=body, headers=user_a.headers)
        assert response.status_code == 422, body
    bad_sort = await client.get(FLOWS, params={"sort": "steps"}, headers=user_a.headers)
    assert bad_sort.status_code == 422


async def test_another_users_flow_and_runs_answer_like_a_random_id(
    client, user_a, user_b, agent, chain_prompt
):
    flow = await created_flow(client, user_a, [step(0, chain_prompt, agent)])
    done = await run(client, user_a, flow["id"], {"input": {"input": PASSAGE, "symbol": "BTC"}})
    for flow_id in (flow["id"], str(uuid.uuid4())):
        answers = [
            await client.get(f"{FLOWS}/{flow_id}", headers=user_b.headers),
            await client.put(f"{FLOWS}/{flow_id}", json={"title": "mine"}, headers=user_b.headers),
            await client.post(f"{FLOWS}/{flow_id}/run", headers=user_b.headers),
            await client.get(f"{FLOWS}/{flow_id}/runs", headers=user_b.headers),
            await client.delete(f"{FLOWS}/{flow_id}", headers=user_b.headers),
        ]
        assert [a.status_code for a in answers] == [404] * 5
        assert all(a.json() == answers[0].json() for a in answers)
    foreign_run = await client.get(f"{API}/flow-runs/{done['id']}", headers=user_b.headers)
    random_run = await client.get(f"{API}/flow-runs/{uuid.uuid4()}", headers=user_b.headers)
    assert foreign_run.status_code == random_run.status_code == 404
    assert foreign_run.json() == random_run.json()
    assert (await client.get(FLOWS, headers=user_b.headers)).json()["data"]["total"] == 0
    assert (await client.get(f"{FLOWS}/{flow['id']}", headers=user_a.headers)).json()["data"][
        "title"
    ] != "mine"
    assert (await client.get(FLOWS)).status_code == 401


# -- plan limits (Free: 2 flows, 2 agents across them) --------------------------------------------
async def test_free_plan_limits_flows_and_distinct_agents(client, user_a, admin, chain_prompt):
    a1, a2, a3 = [await create_agent(client, admin) for _ in range(3)]
    three_agents = [step(0, chain_prompt, a1), step(1, chain_prompt, a2), step(2, chain_prompt, a3)]
    over = await make_flow(client, user_a, three_agents)
    assert over.status_code == 402 and over.json()["error"]["code"] == "PLAN_LIMIT_REACHED"
    assert over.json()["error"]["details"]["resource"] == "agents"

    first = await created_flow(client, user_a, [step(0, chain_prompt, a1), step(1, chain_prompt, a2)])
    third_agent = await make_flow(client, user_a, [step(0, chain_prompt, a3)])
    assert third_agent.status_code == 402
    second = await created_flow(client, user_a, [step(0, chain_prompt, a1)])

    too_many = await make_flow(client, user_a, [step(0, chain_prompt, a1)])
    assert too_many.status_code == 402 and too_many.json()["error"]["details"]["resource"] == "flows"

    swap_in = await client.put(
        f"{FLOWS}/{second['id']}", json={"steps": [step(0, chain_prompt, a3)]}, headers=user_a.headers
    )
    assert swap_in.status_code == 402
    # Replacing the only flow that used a2 by a3 keeps two distinct agents: allowed.
    swapped = await client.put(
        f"{FLOWS}/{first['id']}",
        json={"steps": [step(0, chain_prompt, a1), step(1, chain_prompt, a3)]},
        headers=user_a.headers,
    )
    assert swapped.status_code == 200, swapped.text

    await client.delete(f"{FLOWS}/{second['id']}", headers=user_a.headers)
    assert (await make_flow(client, user_a, [step(0, chain_prompt, a3)])).status_code == 201


async def test_superadmin_is_not_limited(client, superadmin, admin, chain_prompt):
    agents = [await create_agent(client, admin) for _ in range(3)]
    flow = await make_flow(client, superadmin, [step(i, chain_prompt, a) for i, a in enumerate(agents)])
    assert flow.status_code == 201
    await client.delete(f"{FLOWS}/{flow.json()['data']['id']}", headers=superadmin.headers)


# -- runs through the offline provider, in-process -------------------------------------------------
async def test_three_steps_chain_their_outputs_and_notify(
    client, app, settings, user_a, agent, admin, chain_prompt
):
    variables = await create_template(
        client, admin, prompt="{symbol} {unknown} {symbol.__class__} {0} {{x}}\nText: {previous_output}"
    )
    flow = await created_flow(
        client,
        user_a,
        [
            step(0, chain_prompt, agent),
            step(1, chain_prompt, agent),
            step(2, variables, agent, system="Brief."),
        ],
    )
    result = await run(client, user_a, flow["id"], {"input": {"input": PASSAGE, "symbol": "BTC/USDT"}})

    assert result["status"] == "succeeded" and result["error"] is None, result
    assert result["input"] == {"input": PASSAGE, "symbol": "BTC/USDT"}
    steps = result["steps"]
    assert [s["step"] for s in steps] == [0, 1, 2]
    assert steps[0]["input"] == f"Summarise for BTC/USDT.\nText: {PASSAGE}"
    for earlier, later in itertools.pairwise(steps):
        assert earlier["output"] and earlier["output"] in later["input"]
    assert steps[2]["input"].startswith("BTC/USDT {unknown} {symbol.__class__} {0} {{x}}\nText: ")
    for s in steps:
        assert s["error"] is None and s["error_code"] is None and s["duration_ms"] >= 0
        assert s["tokens"]["total"] == s["tokens"]["prompt"] + s["tokens"]["completion"] > 0
        assert s["cost_usd"] == "0.00000000" and s["agent_id"] == agent["id"]
    assert result["total_tokens"] == sum(s["tokens"]["total"] for s in steps)
    assert result["total_cost_usd"] == "0.00000000"
    assert result["started_at"] and result["finished_at"] and result["finished_at"] >= result["started_at"]

    refreshed = (await client.get(f"{FLOWS}/{flow['id']}", headers=user_a.headers)).json()["data"]
    assert refreshed["last_run_at"] is not None
    runs = (await client.get(f"{FLOWS}/{flow['id']}/runs", headers=user_a.headers)).json()["data"]
    assert runs["total"] == 1 and runs["items"][0]["id"] == result["id"]
    failed_only = await client.get(
        f"{FLOWS}/{flow['id']}/runs", params={"status": "failed"}, headers=user_a.headers
    )
    assert failed_only.json()["data"]["total"] == 0
    notes = (await client.get(f"{API}/notifications", headers=user_a.headers)).json()["data"]["items"]
    assert [(n["title"], n["category"]) for n in notes] == [("Flow finished", "flows")]
    await app.state.jobs.drain()  # the email copy of the notification is its own job
    mailed = outbox_messages(settings, user_a.email, "notification")
    assert [m["Subject"] for m in mailed] == ["Flow finished"]


async def test_a_finished_run_is_not_run_again(client, app, user_a, agent, chain_prompt):
    flow = await created_flow(client, user_a, [step(0, chain_prompt, agent)])
    result = await run(client, user_a, flow["id"], {"input": {"text": PASSAGE}})
    assert result["status"] == "succeeded"
    assert result["steps"][0]["input"].endswith(PASSAGE)  # `text` feeds the first step too
    # A redelivered message: the job sees a finished run and does nothing.
    status = await execute_run(app.state.settings, app.state.database, uuid.UUID(result["id"]))
    assert status == "succeeded"
    again = (await client.get(f"{API}/flow-runs/{result['id']}", headers=user_a.headers)).json()["data"]
    assert again == result
    notes = (await client.get(f"{API}/notifications", headers=user_a.headers)).json()["data"]
    assert notes["total"] == 1
    assert await execute_run(app.state.settings, app.state.database, uuid.uuid4()) == "missing"


async def test_only_an_active_flow_runs_and_input_is_bounded(client, user_a, agent, chain_prompt):
    flow = await created_flow(client, user_a, [step(0, chain_prompt, agent)])
    url = f"{FLOWS}/{flow['id']}/run"
    for status in ("paused", "stopped"):
        await client.put(f"{FLOWS}/{flow['id']}", json={"status": status}, headers=user_a.headers)
        refused = await client.post(url, headers=user_a.headers)
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "CONFLICT"
        assert status in refused.json()["message"]
    await client.put(f"{FLOWS}/{flow['id']}", json={"status": "active"}, headers=user_a.headers)
    for body in (
        {"input": {"previous_output": "x"}},
        {"input": {"bad key": "x"}},
        {"input": {"nested": {"a": 1}}},
        {"input": {"big": "x" * 20_001}},
        {"input": {f"k{i}": "y" * 1000 for i in range(40)}},
        {"input": {}, "user_id": user_a.id},
    ):
        response = await client.post(url, json=body, headers=user_a.headers)
        assert response.status_code == 422, body
    assert (await client.get(f"{FLOWS}/{flow['id']}/runs", headers=user_a.headers)).json()["data"][
        "total"
    ] == 0
    plain = await run(client, user_a, flow["id"])  # no body at all
    assert plain["status"] == "succeeded" and plain["steps"][0]["input"] == "Summarise for {symbol}.\nText: "
    await client.delete(f"{FLOWS}/{flow['id']}", headers=user_a.headers)
    assert (await client.post(url, headers=user_a.headers)).status_code == 404
    # Runs stay readable after their flow is deleted; the flow's run list does not.
    assert (await client.get(f"{API}/flow-runs/{plain['id']}", headers=user_a.headers)).status_code == 200
    assert (await client.get(f"{FLOWS}/{flow['id']}/runs", headers=user_a.headers)).status_code == 404


# -- provider failures: the failing step records the error, later steps never happen ---------------
AI_BASE = "https://ai.flows.test/v1"


def chat(content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "model": "gpt-4o-mini",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 40, "completion_tokens": 10},
    }


@pytest.fixture
async def ai_client(make_client):
    _, client = await make_client(OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=AI_BASE, AI_MAX_RETRIES=0)
    return client


@pytest.mark.parametrize(
    ("mock", "code", "calls"),
    [
        ({"return_value": httpx.Response(500, json={"error": "boom"})}, "AI_PROVIDER_UNAVAILABLE", 2),
        ({"side_effect": httpx.ReadTimeout("slow")}, "AI_TIMEOUT", 1),
        ({"return_value": httpx.Response(200, content=b'{"choices": [')}, "AI_INVALID_RESPONSE", 1),
    ],
    ids=["http-500", "timeout", "malformed-json"],
)
async def test_a_failing_provider_fails_the_run_at_its_step(
    ai_client, user_a, admin, agent, chain_prompt, mock, code, calls
):
    remote = await create_agent(
        ai_client, admin, provider="openai_compatible", model_id="gpt-4o-mini", config={"max_retries": 1}
    )
    flow = await created_flow(
        ai_client,
        user_a,
        [step(0, chain_prompt, agent), step(1, chain_prompt, remote), step(2, chain_prompt, agent)],
    )
    with respx.mock(assert_all_called=False) as router:
        route = router.post(f"{AI_BASE}/chat/completions").mock(**mock)
        result = await run(ai_client, user_a, flow["id"], {"input": {"input": PASSAGE, "symbol": "ETH"}})
    assert route.call_count == calls
    assert result["status"] == "failed"
    assert [s["step"] for s in result["steps"]] == [0, 1]  # nothing after the failed step
    ok_step, failed = result["steps"]
    assert ok_step["error"] is None and ok_step["output"]
    assert failed["error_code"] == code and failed["error"] and failed["output"] is None
    assert failed["tokens"] == {"prompt": 0, "completion": 0, "total": 0}
    assert ok_step["output"] in failed["input"]
    assert result["error"] == f"Step 1 failed: {failed['error']}"
    assert result["total_tokens"] == ok_step["tokens"]["total"]
    assert result["finished_at"] is not None
    notes = (await ai_client.get(f"{API}/notifications", headers=user_a.headers)).json()["data"]["items"]
    assert notes[0]["title"] == "Flow failed" and "Step 1 failed" in notes[0]["description"]
    flow_now = (await ai_client.get(f"{FLOWS}/{flow['id']}", headers=user_a.headers)).json()["data"]
    assert flow_now["last_run_at"] is not None


async def test_a_remote_agent_records_usage_and_cost(ai_client, user_a, admin, chain_prompt):
    remote = await create_agent(ai_client, admin, provider="openai_compatible", model_id="gpt-4o-mini")
    flow = await created_flow(
        ai_client, user_a, [step(0, chain_prompt, remote), step(1, chain_prompt, remote)]
    )
    marker = uuid.uuid4().hex  # a fresh prompt: the completion cache cannot answer it
    with respx.mock(assert_all_called=False) as router:
        route = router.post(f"{AI_BASE}/chat/completions").mock(
            side_effect=[
                httpx.Response(200, json=chat("first answer")),
                httpx.Response(200, json=chat("second")),
            ]
        )
        result = await run(ai_client, user_a, flow["id"], {"input": {"input": marker}})
    assert route.call_count == 2 and result["status"] == "succeeded", result
    assert [s["output"] for s in result["steps"]] == ["first answer", "second"]
    assert "first answer" in result["steps"][1]["input"]
    assert result["steps"][0]["tokens"] == {"prompt": 40, "completion": 10, "total": 50}
    assert result["total_tokens"] == 100
    assert Decimal(result["total_cost_usd"]) == 2 * Decimal(result["steps"][0]["cost_usd"]) > 0


async def test_remote_answers_are_cached_in_the_apps_core_cache(make_client, admin, chain_prompt):
    """The completion cache is the app's core cache (Redis-backed when configured), not a dict
    of the process: a second app, with a cache of its own, asks the provider again."""
    settings = {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": AI_BASE, "AI_MAX_RETRIES": 0}
    first_app, first = await make_client(**settings)
    _, second = await make_client(**settings)
    remote = await create_agent(first, admin, provider="openai_compatible", model_id="gpt-4o-mini")
    owner = await new_account(first)
    flow = await created_flow(first, owner, [step(0, chain_prompt, remote)])
    marker = uuid.uuid4().hex
    with respx.mock(assert_all_called=False) as router:
        route = router.post(f"{AI_BASE}/chat/completions").mock(
            return_value=httpx.Response(200, json=chat("cached answer"))
        )
        for client in (first, first):
            result = await run(client, owner, flow["id"], {"input": {"input": marker}})
            assert result["status"] == "succeeded", result
        assert route.call_count == 1  # the second run of the same app was answered by its cache
        await run(second, owner, flow["id"], {"input": {"input": marker}})
        assert route.call_count == 2
    assert first_app.state.cache is not None


async def test_an_unconfigured_provider_fails_the_first_step(client, user_a, admin, chain_prompt):
    remote = await create_agent(client, admin, provider="anthropic", model_id="claude-sonnet-4-5")
    flow = await created_flow(client, user_a, [step(0, chain_prompt, remote), step(1, chain_prompt, remote)])
    result = await run(client, user_a, flow["id"], {"input": {"input": PASSAGE}})
    assert result["status"] == "failed" and len(result["steps"]) == 1
    assert result["steps"][0]["error_code"] == "AI_NOT_CONFIGURED"


async def test_a_step_whose_agent_was_deactivated_fails_cleanly(client, user_a, admin, agent, chain_prompt):
    other = await create_agent(client, admin)
    flow = await created_flow(client, user_a, [step(0, chain_prompt, agent), step(1, chain_prompt, other)])
    await client.put(f"{API}/agents/{other['id']}", json={"is_active": False}, headers=admin.headers)
    result = await run(client, user_a, flow["id"], {"input": {"input": PASSAGE}})
    assert result["status"] == "failed" and [s["error_code"] for s in result["steps"]] == [None, "NOT_FOUND"]


async def test_a_run_left_running_resumes_after_its_last_recorded_step(
    client, app, user_a, agent, chain_prompt
):
    """A worker lost mid-run: the redelivered job keeps the recorded step and runs only the rest."""
    from mosaic.trading.flows.models import FlowRun

    flow = await created_flow(client, user_a, [step(0, chain_prompt, agent), step(1, chain_prompt, agent)])
    recorded = {
        "step": 0,
        "prompt_id": chain_prompt["id"],
        "agent_id": agent["id"],
        "input": "earlier",
        "output": "recorded before the crash",
        "tokens": {"prompt": 3, "completion": 2, "total": 5},
        "cost_usd": "0.00000000",
        "duration_ms": 7,
        "error": None,
        "error_code": None,
    }
    async with app.state.database.transaction() as session:
        interrupted = FlowRun(
            flow_id=uuid.UUID(flow["id"]),
            user_id=uuid.UUID(user_a.id),
            status="running",
            input={},
            steps=[recorded],
            steps_completed=1,
            total_tokens=5,
        )
        session.add(interrupted)
    assert await execute_run(app.state.settings, app.state.database, interrupted.id) == "succeeded"
    result = (await client.get(f"{API}/flow-runs/{interrupted.id}", headers=user_a.headers)).json()["data"]
    assert result["status"] == "succeeded" and result["steps"][0] == recorded
    assert "recorded before the crash" in result["steps"][1]["input"]
    assert result["total_tokens"] == 5 + result["steps"][1]["tokens"]["total"]


async def test_a_trade_may_reference_only_my_own_flow(client, user_a, user_b, agent, chain_prompt):
    from tests.trading.conftest import open_trade

    flow = await created_flow(client, user_a, [step(0, chain_prompt, agent)])
    mine = await open_trade(client, user_a, flow_id=flow["id"])
    assert mine["flow_id"] == flow["id"]
    body = {"symbol": "BTC/USDT", "side": "buy", "entry_price": "100", "quantity": "1"}
    for flow_id in (flow["id"], str(uuid.uuid4())):
        response = await client.post(
            f"{API}/trades", json={**body, "flow_id": flow_id}, headers=user_b.headers
        )
        assert response.status_code == 404
        assert response.json()["error"]["message"] == "Flow not found"
    listed = await client.get(f"{API}/trades", headers=user_b.headers)
    assert listed.json()["data"]["total"] == 0

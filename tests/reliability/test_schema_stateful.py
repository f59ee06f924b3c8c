"""Stateful schemathesis over the schema's `links`: SECURITY-CHECKLIST §8.02, issue 17.

Every create (a `POST` answering 201 with `data.id`) links to the operations on the item it made
(`mosaic/apidocs/schema.py`), so schemathesis chains create → read → update → delete, and into
sub-resources, for whatever routes the domains have; no route is named here. Each persona (a
regular user, the superadmin) gets a bounded run with every check on, stateful ones included
(`use_after_free`: a deleted item must stay gone; `ensure_resource_availability`: a created
item must be reachable, here refined by `created_item_is_available`), and must end with 0
failures and 0 errors.

Two adjustments, both generic. Schemathesis starts scenarios only from creates it judges
"reliable" and drops the rest once any exist; a create whose body names another resource (a trade
its flow, a studio its company) is judged unreliable, so trades and studios would never be made:
here every create of a top-level collection may start a scenario. And the regular user's run leaves out the
operations whose permission the user's role lacks (the route facts say which): their 403 is
covered by the stateless run and the RBAC tests, and would spend the user's whole budget.

The run goes through schemathesis' own engine (what `st run --phases stateful` runs), not
Hypothesis' `run_state_machine_as_test`: the app keeps its state between scenarios (a second
create of the same name is a 409), which Hypothesis' replay reports as a flaky strategy, while
the engine re-runs such a suite with a fresh seed as it is designed to against live APIs.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
import schemathesis.specs.openapi.stateful as openapi_stateful
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import ensure_resource_availability

# `fuzzed` and `superadmin_token`: the stateless run's module fixtures, imported under their own
# names (pytest registers a fixture by the name it is bound to); the tests ask for them through
# `request`, since a parameter of that name would shadow the import.
from tests.reliability.test_schema_fuzz import (  # noqa: F401
    _SCHEMA_APP,
    OPENAPI,
    SEED,
    Fuzzed,
    fuzzed,
    new_user_token,
    superadmin_token,
)

logger = logging.getLogger("tests.stateful")
# Bounds: scenarios per suite and steps per scenario (a scenario is one create and the calls
# its links lead to). A longer exploration: MOSAIC_STATEFUL_SCENARIOS / _STEPS.
SCENARIOS = int(os.environ.get("MOSAIC_STATEFUL_SCENARIOS", "40"))
STEPS = int(os.environ.get("MOSAIC_STATEFUL_STEPS", "12"))


def _names_only_a_reference(response: Any) -> bool:
    """A 404 whose details all point into the body or query: a referenced id (a trade's flow, a
    prompt's template) that does not exist or is not the caller's, which this API answers with
    404 like an item of another owner (SPEC: ownership). It says nothing of the item itself."""
    try:
        details = response.json()["error"]["details"]
    except (ValueError, KeyError, TypeError):
        return False
    return bool(details) and all(item.get("location") in {"body", "query"} for item in details)


def _item_is_readable(case: Any, response: Any) -> bool:
    """Whether a `GET` on the item (the case's path, or the nearest templated prefix of it, as
    `/trades/{trade_id}` for `/trades/{trade_id}/close`) answers 200 for the same caller."""
    segments = case.path.split("/")
    for end in range(len(segments), 0, -1):
        path = "/".join(segments[:end])
        if not segments[end - 1].startswith("{"):
            continue
        try:
            read = case.operation.schema[path]["GET"]
        except LookupError:
            continue
        names = {parameter.name for parameter in read.path_parameters}
        values = {k: v for k, v in (case.path_parameters or {}).items() if k in names}
        authorization = response.request.headers.get("Authorization")
        answer = read.Case(path_parameters=values).call(
            headers={"Authorization": authorization} if authorization else None
        )
        return bool(answer.status_code == 200)
    return False


@schemathesis.check
def created_item_is_available(ctx: Any, response: Any, case: Any) -> bool | None:
    """`ensure_resource_availability` (an item just created answers 404 through its link), except
    when the 404 was about something else: its details name a body or query reference, or the
    item itself still reads 200. Schemathesis cannot tell those from a missing item."""
    if response.status_code != 404 or ctx.internals.find_parent(case_id=case.id) is None:
        return None  # not a step after a create (the stateless run registers this check too)
    if _names_only_a_reference(response) or _item_is_readable(case, response):
        return None
    return ensure_resource_availability(ctx, response, case)


def _config(token: str, *, scenarios: int = SCENARIOS, steps: int = STEPS) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "headers": {"Authorization": f"Bearer {token}"},
            "phases": {
                "examples": {"enabled": False},
                "coverage": {"enabled": False},
                "fuzzing": {"enabled": False},
                "stateful": {"enabled": True, "max-steps": steps},
            },
            "generation": {"max-examples": scenarios},
            # The same status rule as the stateless run (test_schema_fuzz.py): 400 is a business
            # rule the schema cannot state, 415 an upload judged by its bytes; 422 fails.
            "checks": {
                # Replaced by created_item_is_available above, which adds the reference rule.
                "ensure_resource_availability": {"enabled": False},
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "415", "429"]
                },
            },
        }
    )


@dataclass
class StatefulRun:
    """What one engine run did: the figures the log reports and the failures the test asserts."""

    transitions: int = 0
    scenarios: int = 0
    calls: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    operations: Counter[str] = field(default_factory=Counter)
    linked_calls: int = 0
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _permissions(dependant: Dependant) -> Iterator[str]:
    for dependency in dependant.dependencies:
        permission = getattr(dependency.call, "permission", None)
        if isinstance(permission, str):
            yield permission
        yield from _permissions(dependency)


def required_permissions() -> dict[tuple[str, str], frozenset[str]]:
    """(METHOD, path) -> the permissions its dependencies require (`require_permission`)."""
    found: dict[tuple[str, str], frozenset[str]] = {}
    for route in iter_route_contexts(_SCHEMA_APP.routes):
        dependant = getattr(route, "dependant", None)
        if isinstance(route.original_route, APIRoute) and dependant is not None:
            for method in route.methods or ():
                found[(method, str(route.path))] = frozenset(_permissions(dependant))
    return found


REQUIRED = required_permissions()


def _holds(granted: set[str], permission: str) -> bool:
    resource = permission.split(":")[0]
    return bool({"*", f"{resource}:*", permission} & granted)


CLASSIFY_ROOTS = openapi_stateful.classify_root_transitions


def _top_level_creates_may_start(
    operations: Any, transitions: Any, graph: Any
) -> openapi_stateful.RootTransitions:
    """Schemathesis' roots, plus every create of a top-level collection it judged unreliable
    (a nested one needs its parent's id, which only a link gives)."""
    roots = CLASSIFY_ROOTS(operations, transitions, graph)
    roots.reliable |= {label for label in roots.fallback if "{" not in label}
    roots.fallback -= roots.reliable
    return roots


def run_stateful(target: Fuzzed, token: str, monkeypatch: pytest.MonkeyPatch, **bounds: int) -> StatefulRun:
    monkeypatch.setattr(openapi_stateful, "classify_root_transitions", _top_level_creates_may_start)
    with asgi.get_client(target.app) as client:  # type: ignore[arg-type]
        me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200, me.text
    granted = set(me.json()["data"]["permissions"])

    def allowed(ctx: Any) -> bool:
        needed = REQUIRED.get((ctx.operation.method.upper(), ctx.operation.path), frozenset())
        return all(_holds(granted, permission) for permission in needed)

    schema = schemathesis.openapi.from_dict(OPENAPI, config=_config(token, **bounds)).include(allowed)
    schema.app = target.app
    run = StatefulRun()
    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseStarted) and event.payload is not None:
            run.transitions = event.payload.transitions_selected
        elif isinstance(event, events.ScenarioFinished):
            run.scenarios += 1
            recorder = event.recorder
            for case_id, node in recorder.cases.items():
                interaction = recorder.interactions.get(case_id)
                if interaction is None or interaction.response is None:
                    continue
                run.calls += 1
                run.statuses[interaction.response.status_code] += 1
                run.operations[node.value.operation.label] += 1
                run.linked_calls += node.transition is not None and node.is_transition_applied
            for checks in recorder.checks.values():
                for check in checks:
                    if check.failure_info is not None:
                        info = check.failure_info
                        run.failures.append(f"{check.name}: {info.failure.title}\n{info.code_sample}")
        elif isinstance(event, events.NonFatalError):
            run.errors.append(f"{event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            run.errors.append(repr(event.exception))
    return run


def _report(run: StatefulRun) -> str:
    return "\n\n".join([*dict.fromkeys(run.failures), *run.errors])


def _assert_clean(run: StatefulRun) -> None:
    logger.info(
        "stateful: %d transitions, %d scenarios, %d calls (%d through a link), statuses %s, "
        "%d failures, %d errors",
        run.transitions,
        run.scenarios,
        run.calls,
        run.linked_calls,
        dict(sorted(run.statuses.items())),
        len(run.failures),
        len(run.errors),
    )
    assert not run.failures and not run.errors, _report(run)
    # The links were followed: items were created and then read, changed or deleted through them.
    assert run.transitions >= 20, run.transitions
    assert run.linked_calls > 0 and run.statuses[201] > 0, run
    assert not any(status >= 500 for status in run.statuses), run.statuses


@pytest.fixture(scope="module")
def stateful_app(request: pytest.FixtureRequest) -> Fuzzed:
    app: Fuzzed = request.getfixturevalue("fuzzed")
    return app


@pytest.fixture(scope="module")
def stateful_user_token(stateful_app: Fuzzed) -> str:
    # A user of its own: the stateless run's user may have been changed by its fuzzing.
    return new_user_token(stateful_app.app)


def test_stateful_links_as_a_regular_user(
    stateful_app: Fuzzed, stateful_user_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = run_stateful(stateful_app, stateful_user_token, monkeypatch)
    _assert_clean(run)


def test_stateful_links_as_the_superadmin(
    stateful_app: Fuzzed, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    token: str = request.getfixturevalue("superadmin_token")
    run = run_stateful(stateful_app, token, monkeypatch)
    _assert_clean(run)

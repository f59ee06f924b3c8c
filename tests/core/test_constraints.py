"""Named constraints mapped to typed errors: through HTTP, and the name extraction on both backends."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import CheckConstraint, Column, Integer, MetaData, String, Table, UniqueConstraint
from sqlalchemy.exc import IntegrityError

from mosaic.accounts.users.models import User
from mosaic.core.constraints import ConstraintErrors
from mosaic.core.database import Database
from mosaic.core.errors import Conflict
from mosaic.main import build_constraint_errors
from tests.conftest import unique_email
from tests.core.widgets import WidgetBase

pytestmark = pytest.mark.usefixtures("widget_client")


class TicketTaken(Conflict):
    code = "TICKET_TAKEN"
    default_message = "Ticket code already used"


@pytest.fixture
def ticket_errors(app: FastAPI) -> Iterator[ConstraintErrors]:
    """The app's registry with the test tables' constraints, restored afterwards."""
    original: ConstraintErrors = app.state.constraint_errors
    registry = build_constraint_errors(app.state.domains)
    registry.add_metadata(WidgetBase.metadata)
    app.state.constraint_errors = registry
    yield registry
    app.state.constraint_errors = original


async def post_ticket(client: httpx.AsyncClient, code: str) -> httpx.Response:
    return await client.post("/api/v1/widgets/tickets", json={"key": code})


async def test_registered_unique_violation_becomes_its_typed_error(
    client: httpx.AsyncClient, ticket_errors: ConstraintErrors
):
    ticket_errors.register("uq_test_tickets_code", TicketTaken)
    code = f"t-{uuid.uuid4().hex}"
    assert (await post_ticket(client, code)).status_code == 201
    response = await post_ticket(client, code)
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "TICKET_TAKEN",
        "message": "Ticket code already used",
        "details": None,
    }


async def test_a_tuple_registration_gives_status_code_and_message(
    client: httpx.AsyncClient, ticket_errors: ConstraintErrors
):
    ticket_errors.register("uq_test_tickets_code", (422, "TICKET_REUSED", "Use a new code"))
    code = f"t-{uuid.uuid4().hex}"
    await post_ticket(client, code)
    response = await post_ticket(client, code)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "TICKET_REUSED"
    assert response.json()["message"] == "Use a new code"


async def test_unregistered_violation_stays_a_generic_conflict(
    client: httpx.AsyncClient, ticket_errors: ConstraintErrors
):
    code = f"t-{uuid.uuid4().hex}"
    await post_ticket(client, code)
    response = await post_ticket(client, code)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "CONFLICT"
    assert "uq_test_tickets" not in response.text and "test_tickets" not in response.text


async def test_duplicate_email_insert_maps_to_email_taken_on_this_backend(app: FastAPI):
    """The accounts domain registers its users' email index; the name is found on either backend."""
    database: Database = app.state.database
    email = unique_email("dup")
    async with database.transaction() as session:
        session.add(User(email=email, password_hash="x", first_name="A", last_name="B"))
    with pytest.raises(IntegrityError) as caught:
        async with database.transaction() as session:
            session.add(User(email=email, password_hash="x", first_name="A", last_name="B"))
    registry: ConstraintErrors = app.state.constraint_errors
    name = registry.constraint_name(caught.value)
    assert name == "uq_users_email_live"
    error = registry.error_for(name)
    assert error is not None and (error.status_code, error.error_code) == (409, "EMAIL_TAKEN")


def test_registering_one_name_twice_differently_is_refused():
    registry = ConstraintErrors({"uq_x": (409, "X_TAKEN", "x")})
    registry.register("uq_x", (409, "X_TAKEN", "x"))  # the same declaration twice is harmless
    with pytest.raises(ValueError, match="already mapped"):
        registry.register("uq_x", (409, "Y_TAKEN", "y"))
    with pytest.raises(TypeError):
        registry.register("uq_y", "not an error")  # type: ignore[arg-type]


class _SqliteError(Exception):
    pass


def sqlite_integrity_error(message: str) -> IntegrityError:
    return IntegrityError("INSERT ...", {}, _SqliteError(message))


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("UNIQUE constraint failed: things.code", "uq_things_code"),
        ("UNIQUE constraint failed: things.a, things.b", "uq_things_pair"),
        ("UNIQUE constraint failed: index 'uq_things_lower_name'", "uq_things_lower_name"),
        ("CHECK constraint failed: ck_things_positive", "ck_things_positive"),
        ("UNIQUE constraint failed: things.b", None),  # no unique constraint on b alone
        ("UNIQUE constraint failed: other.code", None),
        ("FOREIGN KEY constraint failed", None),
        ("NOT NULL constraint failed: things.code", None),
        ("", None),
    ],
)
def test_sqlite_messages_map_back_to_constraint_names(message: str, expected: str | None):
    metadata = MetaData()
    Table(
        "things",
        metadata,
        Column("code", String, unique=False),
        Column("a", Integer),
        Column("b", Integer),
        UniqueConstraint("code", name="uq_things_code"),
        UniqueConstraint("a", "b", name="uq_things_pair"),
        CheckConstraint("a > 0", name="ck_things_positive"),
    )
    registry = ConstraintErrors(metadata=[metadata])
    assert registry.constraint_name(sqlite_integrity_error(message)) == expected

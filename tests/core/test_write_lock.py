"""Atomic check-then-insert: the write-lock session (SQLite) and `for_update` row locks (PostgreSQL)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, text

from mosaic.core.database import Database, lock_for_write
from tests.core.widgets import Bucket, BucketRepository

pytestmark = pytest.mark.usefixtures("widget_client")


@contextmanager
def captured_sql(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)


async def new_bucket(client: httpx.AsyncClient) -> str:
    response = await client.post("/api/v1/widgets/buckets")
    assert response.status_code == 201, response.text
    bucket_id: str = response.json()["data"]["id"]
    return bucket_id


async def test_twenty_concurrent_claims_of_one_key_give_one_success_and_nineteen_typed_409s(
    client: httpx.AsyncClient,
):
    bucket_id = await new_bucket(client)
    claims = f"/api/v1/widgets/buckets/{bucket_id}/claims"
    responses = await asyncio.gather(
        *(client.post(f"{claims}?pause_ms=10", json={"key": "k"}) for _ in range(20))
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * 19, [r.text for r in responses if r.status_code not in (201, 409)]
    codes = {r.json()["error"]["code"] for r in responses if r.status_code == 409}
    assert codes == {"CLAIM_TAKEN"}
    bucket = (await client.get(f"/api/v1/widgets/buckets/{bucket_id}")).json()["data"]
    assert bucket["claim_count"] == 1


async def test_concurrent_claims_of_different_keys_all_succeed_without_lost_updates(
    client: httpx.AsyncClient,
):
    # Each request reads the bucket's counter and writes it + 1: without the lock updates get lost.
    bucket_id = await new_bucket(client)
    responses = await asyncio.gather(
        *(
            client.post(f"/api/v1/widgets/buckets/{bucket_id}/claims", json={"key": f"k{i}"})
            for i in range(20)
        )
    )
    assert [r.status_code for r in responses] == [201] * 20
    bucket = (await client.get(f"/api/v1/widgets/buckets/{bucket_id}")).json()["data"]
    assert bucket["claim_count"] == 20


async def test_claim_on_a_missing_bucket_is_404(client: httpx.AsyncClient):
    response = await client.post(f"/api/v1/widgets/buckets/{uuid.uuid4()}/claims", json={"key": "k"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


async def test_write_lock_starts_sqlite_transactions_with_begin_immediate(app: FastAPI):
    database: Database = app.state.database
    with captured_sql(database) as statements:
        async with database.transaction(write_lock=True) as session:
            await session.execute(text("SELECT 1"))
        async with database.transaction() as session:
            await session.execute(text("SELECT 2"))
    begins = [s for s in statements if s.upper().startswith("BEGIN")]
    if database.engine.dialect.name == "sqlite":
        assert begins == ["BEGIN IMMEDIATE"]
        assert statements.index("BEGIN IMMEDIATE") < statements.index("SELECT 1")
    else:
        assert begins == []


async def test_write_lock_after_a_write_is_refused_on_sqlite(app: FastAPI):
    database: Database = app.state.database
    if database.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL locks rows, not the database")
    async with database.transaction() as session:
        await BucketRepository(session).create()
        with pytest.raises(RuntimeError, match="first write"):
            await lock_for_write(session)


async def test_write_lock_transaction_rolls_back_on_error(app: FastAPI):
    database: Database = app.state.database
    bucket_id = uuid.uuid4()

    async def write_then_fail() -> None:
        async with database.transaction(write_lock=True) as session:
            session.add(Bucket(id=bucket_id))
            await session.flush()
            raise ValueError("undo")

    with pytest.raises(ValueError, match="undo"):
        await write_then_fail()
    async with database.transaction() as session:
        assert await BucketRepository(session).get(bucket_id) is None


async def test_get_for_update_locks_the_row_on_postgresql_only(app: FastAPI, client: httpx.AsyncClient):
    database: Database = app.state.database
    bucket_id = uuid.UUID(await new_bucket(client))
    with captured_sql(database) as statements:
        async with database.transaction() as session:
            repo = BucketRepository(session)
            assert (await repo.get_or_404(bucket_id, for_update=True)).id == bucket_id
            assert (await repo.get(bucket_id)) is not None
            assert await repo.find_one(Bucket.id == bucket_id, for_update=True) is not None
    selects = [s for s in statements if "test_buckets" in s]
    locked = [s for s in selects if "FOR UPDATE" in s]
    if database.engine.dialect.name == "postgresql":
        assert len(selects) == 3 and len(locked) == 2
    else:
        assert len(selects) == 3 and locked == []

"""Every failure a client can meet answers the envelope with the right status and stable code."""

from __future__ import annotations

import logging
import uuid

import httpx
import pytest

from tests.core.conftest import mount_widgets

pytestmark = pytest.mark.usefixtures("widget_client")


def assert_error(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"status_code", "message", "data", "error"}
    assert body["status_code"] == status
    assert body["data"] is None
    assert body["error"]["code"] == code
    assert body["error"]["message"] == body["message"]
    return body


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("bad", 400, "BAD_REQUEST"),
        ("unauthorized", 401, "UNAUTHORIZED"),
        ("payment", 402, "PAYMENT_REQUIRED"),
        ("forbidden", 403, "FORBIDDEN"),
        ("missing", 404, "NOT_FOUND"),
        ("conflict", 409, "CONFLICT"),
        ("limited", 429, "RATE_LIMITED"),
        ("down", 503, "SERVICE_UNAVAILABLE"),
    ],
)
async def test_service_errors_render_as_envelopes(
    client: httpx.AsyncClient, kind: str, status: int, code: str
):
    assert_error(await client.get(f"/api/v1/widgets/errors/{kind}"), status, code)


async def test_unauthorized_announces_bearer_scheme(client: httpx.AsyncClient):
    response = await client.get("/api/v1/widgets/errors/unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


async def test_unknown_route_returns_404_envelope(client: httpx.AsyncClient):
    body = assert_error(await client.get("/api/v1/no-such-thing"), 404, "NOT_FOUND")
    assert body["message"] == "Resource not found"


async def test_wrong_method_returns_405_envelope(client: httpx.AsyncClient):
    assert_error(await client.put("/health/live", json={}), 405, "METHOD_NOT_ALLOWED")


async def test_validation_error_lists_each_failing_field(client: httpx.AsyncClient):
    response = await client.post("/api/v1/widgets", json={"name": "", "color": "x" * 50, "extra": 1})
    body = assert_error(response, 422, "VALIDATION_ERROR")
    fields = {detail["field"] for detail in body["error"]["details"]}
    assert fields == {"name", "color", "extra"}
    assert all(detail["location"] == "body" for detail in body["error"]["details"])


async def test_validation_error_does_not_echo_submitted_values(client: httpx.AsyncClient):
    response = await client.post("/api/v1/widgets", json={"name": 12345678, "color": "sentinel-Pa55w0rd"})
    assert response.status_code == 422
    assert "sentinel-Pa55w0rd" not in response.text


async def test_malformed_json_is_a_422_envelope(client: httpx.AsyncClient):
    response = await client.post(
        "/api/v1/widgets", content=b'{"name": ', headers={"content-type": "application/json"}
    )
    assert_error(response, 422, "VALIDATION_ERROR")


async def test_bad_path_parameter_is_a_422_envelope(client: httpx.AsyncClient):
    body = assert_error(await client.get("/api/v1/widgets/not-a-uuid"), 422, "VALIDATION_ERROR")
    assert body["error"]["details"][0]["field"] == "widget_id"
    assert body["error"]["details"][0]["location"] == "path"


async def test_declared_oversized_body_returns_413(client: httpx.AsyncClient, settings):
    too_big = settings.MAX_REQUEST_BODY_MB * 1024 * 1024 + 1
    response = await client.post(
        "/api/v1/widgets",
        content=b"{}",
        headers={"content-type": "application/json", "content-length": str(too_big)},
    )
    assert_error(response, 413, "PAYLOAD_TOO_LARGE")


async def test_streamed_oversized_body_without_length_returns_413(make_client):
    small_app, small = await make_client(MAX_REQUEST_BODY_MB=1)
    await mount_widgets(small_app)

    async def chunks():
        for _ in range(3):
            yield b" " * (512 * 1024)

    response = await small.post(
        "/api/v1/widgets", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_error(response, 413, "PAYLOAD_TOO_LARGE")


async def test_unsupported_content_type_returns_415(client: httpx.AsyncClient):
    response = await client.post(
        "/api/v1/widgets", content=b"<widget/>", headers={"content-type": "application/xml"}
    )
    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")


async def test_unhandled_error_is_500_with_nothing_internal(client: httpx.AsyncClient, caplog):
    with caplog.at_level(logging.ERROR, logger="mosaic.errors"):
        response = await client.post(
            "/api/v1/widgets/fail-after-write",
            params={"crash": "true"},
            json={"name": f"crash-{uuid.uuid4().hex}"},
        )
    body = assert_error(response, 500, "INTERNAL_ERROR")
    assert body["message"] == "Internal server error"
    assert (
        "boom" not in response.text and "Traceback" not in response.text and "postgresql" not in response.text
    )
    request_id = response.headers["x-request-id"]
    logged = [r for r in caplog.records if r.name == "mosaic.errors"]
    assert logged and logged[-1].request_id == request_id
    assert logged[-1].exc_info is not None


async def test_integrity_error_is_a_409_without_sql(client: httpx.AsyncClient):
    name = f"dup-{uuid.uuid4().hex}"
    assert (await client.post("/api/v1/widgets", json={"name": name})).status_code == 201
    response = await client.post("/api/v1/widgets", json={"name": name})
    body = assert_error(response, 409, "CONFLICT")
    assert "INSERT" not in response.text and "test_widgets" not in response.text
    assert body["error"]["details"] is None


async def test_request_id_is_generated_or_propagated(client: httpx.AsyncClient):
    generated = await client.get("/health/live")
    assert len(generated.headers["x-request-id"]) == 32
    given = await client.get("/health/live", headers={"X-Request-ID": "req-abc-12345"})
    assert given.headers["x-request-id"] == "req-abc-12345"
    forged = await client.get("/health/live", headers={"X-Request-ID": "bad id\nwith newline"})
    assert forged.headers["x-request-id"] != "bad id\nwith newline"


async def test_errors_carry_the_request_id_and_nosniff_headers(client: httpx.AsyncClient):
    for response in (await client.get("/api/v1/no-such-thing"), await client.get("/health/live")):
        assert response.headers.get("x-request-id")
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_requests_beyond_the_in_flight_cap_are_refused_at_once_and_recovery_is_immediate(make_client):
    import asyncio

    app, capped = await make_client(MAX_IN_FLIGHT_REQUESTS=2, SEED_ON_STARTUP=False)
    release = asyncio.Event()
    entered = 0

    async def hold() -> dict[str, str]:
        nonlocal entered
        entered += 1
        await asyncio.wait_for(release.wait(), timeout=10)
        return {"ok": "yes"}

    app.add_api_route("/test-hold", hold)
    held = [asyncio.create_task(capped.get("/test-hold")) for _ in range(2)]
    for _ in range(200):  # bounded wait until both are inside the handler
        if entered == 2:
            break
        await asyncio.sleep(0.01)
    refused = await capped.get("/test-hold")
    assert_error(refused, 503, "SERVICE_UNAVAILABLE")
    assert refused.headers["retry-after"] == "1"
    assert (await capped.get("/health/live")).status_code == 200  # probes are never refused
    release.set()
    assert [r.status_code for r in await asyncio.gather(*held)] == [200, 200]
    assert (await capped.get("/health/live")).status_code == 200
    release.clear()
    entered = 0
    one = asyncio.create_task(capped.get("/test-hold"))
    await asyncio.sleep(0.05)
    release.set()
    assert (await one).status_code == 200

"""Custom prompts: ownership, template references, validation and filters."""

from __future__ import annotations

import uuid

import pytest

from tests.accounts.conftest import Account
from tests.trading.conftest import API, create_template

URL = f"{API}/user-prompts"


async def create(client, account: Account, **overrides):
    body = {"title": "Morning brief", "prompt": "Summarise BTC overnight.", **overrides}
    response = await client.post(URL, json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    return response.json()["data"]


async def test_create_get_update_and_delete_a_custom_prompt(client, user_a: Account):
    prompt = await create(client, user_a, description="Daily")
    assert prompt["prompt_id"] is None and prompt["description"] == "Daily"
    url = f"{URL}/{prompt['id']}"
    assert (await client.get(url, headers=user_a.headers)).json()["data"] == prompt
    updated = await client.put(url, json={"title": "Evening brief"}, headers=user_a.headers)
    assert updated.status_code == 200
    assert (
        updated.json()["data"]["title"] == "Evening brief"
        and updated.json()["data"]["prompt"] == prompt["prompt"]
    )
    assert (await client.delete(url, headers=user_a.headers)).status_code == 200
    assert (await client.get(url, headers=user_a.headers)).status_code == 404


async def test_a_template_reference_must_be_visible_to_the_user(
    client, admin: Account, user_a: Account, user_b: Account
):
    template = await create_template(client, admin)
    based = await create(client, user_a, prompt_id=template["id"])
    assert based["prompt_id"] == template["id"]

    own_private = (
        await client.post(f"{API}/prompts/mine", json={"title": "P", "prompt": "p"}, headers=user_a.headers)
    ).json()["data"]
    assert (await create(client, user_a, prompt_id=own_private["id"]))["prompt_id"] == own_private["id"]

    draft = await create_template(client, admin, is_public=False)
    deleted = await create_template(client, admin)
    await client.delete(f"{API}/prompts/{deleted['id']}", headers=admin.headers)
    for prompt_id in (own_private["id"], draft["id"], deleted["id"], str(uuid.uuid4())):
        body = {"title": "T", "prompt": "p", "prompt_id": prompt_id}
        response = await client.post(URL, json=body, headers=user_b.headers)
        assert response.status_code == 404, prompt_id
        response = await client.put(
            f"{URL}/{based['id']}", json={"prompt_id": prompt_id}, headers=user_a.headers
        )
        assert response.status_code == (200 if prompt_id == own_private["id"] else 404)
    assert (await client.get(URL, headers=user_b.headers)).json()["data"]["total"] == 0


async def test_prompt_id_null_detaches_the_template(client, admin: Account, user_a: Account):
    template = await create_template(client, admin)
    based = await create(client, user_a, prompt_id=template["id"])
    response = await client.put(f"{URL}/{based['id']}", json={"prompt_id": None}, headers=user_a.headers)
    assert response.status_code == 200 and response.json()["data"]["prompt_id"] is None


async def test_another_users_prompt_answers_404_like_a_random_id(client, user_a: Account, user_b: Account):
    prompt = await create(client, user_a)
    url = f"{URL}/{prompt['id']}"
    missing = await client.get(f"{URL}/{uuid.uuid4()}", headers=user_b.headers)
    for response in (
        await client.get(url, headers=user_b.headers),
        await client.put(url, json={"title": "mine now"}, headers=user_b.headers),
        await client.delete(url, headers=user_b.headers),
    ):
        assert response.status_code == 404 and response.json() == missing.json()
    listed = await client.get(URL, params={"user_id": user_a.id}, headers=user_b.headers)
    assert listed.json()["data"]["total"] == 0
    assert (await client.get(url, headers=user_a.headers)).json()["data"] == prompt


@pytest.mark.parametrize(
    "body",
    [
        {"title": "T", "prompt": "p", "user_id": str(uuid.uuid4())},
        {"title": "T", "prompt": "p", "id": str(uuid.uuid4())},
        {"title": "T", "prompt": "p", "created_at": "2020-01-01T00:00:00Z"},
        {"title": "T", "prompt": "x" * 20_001},
        {"title": "", "prompt": "p"},
        {"title": "T"},
        {"title": "T", "prompt": "p", "prompt_id": "not-a-uuid"},
    ],
)
async def test_invalid_or_server_owned_fields_are_422(client, user_a: Account, body):
    assert (await client.post(URL, json=body, headers=user_a.headers)).status_code == 422
    assert (await client.get(URL, headers=user_a.headers)).json()["data"]["total"] == 0


async def test_update_rejects_server_owned_fields_and_changes_nothing(
    client, user_a: Account, user_b: Account
):
    prompt = await create(client, user_a)
    for body in ({"user_id": user_b.id}, {"title": "x", "is_deleted": True}):
        response = await client.put(f"{URL}/{prompt['id']}", json=body, headers=user_a.headers)
        assert response.status_code == 422
    assert (await client.get(f"{URL}/{prompt['id']}", headers=user_a.headers)).json()["data"] == prompt


async def test_list_filters_and_sorts(client, admin: Account, user_a: Account):
    template = await create_template(client, admin)
    await create(client, user_a, title="beta")
    await create(client, user_a, title="alpha", prompt_id=template["id"])
    await create(client, user_a, title="gamma 100%")
    titles = [
        p["title"]
        for p in (await client.get(URL, params={"sort": "title"}, headers=user_a.headers)).json()["data"][
            "items"
        ]
    ]
    assert titles == ["alpha", "beta", "gamma 100%"]
    by_template = await client.get(URL, params={"prompt_id": template["id"]}, headers=user_a.headers)
    assert [p["title"] for p in by_template.json()["data"]["items"]] == ["alpha"]
    # LIKE wildcards in the search text are literal
    assert (await client.get(URL, params={"q": "%"}, headers=user_a.headers)).json()["data"]["total"] == 1
    assert (await client.get(URL, params={"q": "ALP"}, headers=user_a.headers)).json()["data"]["total"] == 1

from tests.accounts.conftest import Account


async def test_me_returns_the_logged_in_user(client, user_a: Account):
    response = await client.get("/api/v1/users/me", headers=user_a.headers)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["email"] == user_a.email


async def test_superadmin_fixture_logs_in(client, superadmin: Account):
    response = await client.get("/api/v1/users", headers=superadmin.headers)
    assert response.status_code == 200, response.text

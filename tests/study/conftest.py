"""Study fixtures: the account fixtures (real users created through the API)."""

from __future__ import annotations

from tests.accounts.conftest import Account, user_a, user_b  # noqa: F401

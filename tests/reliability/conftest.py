"""The account fixtures (real users through the API) for the reliability tests."""

from tests.accounts.conftest import admin, superadmin, user_a, user_b  # noqa: F401
from tests.reliability import sensitive  # noqa: F401 - registers the no_sensitive_data check
from tests.reliability.pg import own_database  # noqa: F401

"""Accounts: identity, users, roles and permissions (always mounted)."""

from mosaic.core.domain import Domain

domain = Domain(name="accounts")

"""Accounts: identity, users, roles and permissions (always mounted)."""

from mosaic.accounts.auth.router import router as auth_router
from mosaic.accounts.notifications.router import router as notifications_router
from mosaic.accounts.plans.jobs import EXPIRE_SUBSCRIPTIONS, expire_subscriptions_job
from mosaic.accounts.plans.router import plans_router, subscriptions_router
from mosaic.accounts.rbac.router import permissions_router, roles_router
from mosaic.accounts.seed import seed
from mosaic.accounts.settings.router import router as settings_router
from mosaic.accounts.users.router import router as users_router
from mosaic.core.domain import Domain, PermissionSpec, ScheduledJob

_CRUD = {
    "users": "users",
    "roles": "roles",
    "permissions": "permissions",
    "plans": "plans",
}

PERMISSIONS = [
    PermissionSpec(resource, action, f"{action.capitalize()} {label}")
    for resource, label in _CRUD.items()
    for action in ("read", "write", "delete")
]

# Seed 003: writes to roles and permissions are the superadmin's alone (superadmin holds everything).
ADMIN_PERMISSIONS = [
    spec.name
    for spec in PERMISSIONS
    if spec.resource not in ("roles", "permissions") or spec.action == "read"
]

domain = Domain(
    name="accounts",
    # Fixed paths before parameterised ones: /users/me/plans and /users/me/settings before /users/{id}.
    routers=(
        auth_router,
        subscriptions_router,
        settings_router,
        users_router,
        roles_router,
        permissions_router,
        plans_router,
        notifications_router,
    ),
    permissions=PERMISSIONS,
    default_roles={"superadmin": ["*"], "admin": ADMIN_PERMISSIONS, "user": []},
    seed=seed,
    jobs=(expire_subscriptions_job,),
    scheduled_jobs=(ScheduledJob("expire-subscriptions", EXPIRE_SUBSCRIPTIONS, cron="0 * * * *"),),
    # The services check these first; the constraints answer the same way when a race wins.
    constraint_errors={
        "uq_users_email_live": (409, "EMAIL_TAKEN", "Email is already registered"),
        "uq_users_google_sub_live": (409, "IDENTITY_TAKEN", "This identity is linked to another account"),
        "uq_users_external_subject_live": (
            409,
            "IDENTITY_TAKEN",
            "This identity is linked to another account",
        ),
    },
)

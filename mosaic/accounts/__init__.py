"""Accounts: identity, users, roles and permissions (always mounted)."""

from fastapi import FastAPI

from mosaic.accounts.auth.router import router as auth_router
from mosaic.accounts.billing.jobs import EXPIRE_CHECKOUTS, expire_offline_checkouts_job
from mosaic.accounts.billing.router import WEBHOOK_PREFIX, charges_router, pay_router, webhooks_router
from mosaic.accounts.billing.service import handle_payment_event, payment_handlers
from mosaic.accounts.notifications.router import router as notifications_router
from mosaic.accounts.plans.jobs import (
    EXPIRE_SUBSCRIPTIONS,
    RENEW_SUBSCRIPTIONS,
    expire_subscriptions_job,
    renew_subscriptions_job,
)
from mosaic.accounts.plans.paid import REFERENCE_KIND, on_plan_payment
from mosaic.accounts.plans.router import grants_router, plans_router, subscriptions_router
from mosaic.accounts.rbac.router import permissions_router, roles_router
from mosaic.accounts.seed import seed
from mosaic.accounts.settings.router import router as settings_router
from mosaic.accounts.users.router import router as users_router
from mosaic.core.domain import Domain, PermissionSpec, ScheduledJob
from mosaic.providers.payments import PROVIDERS, build_payment_gateway

_CRUD = {
    "users": "users",
    "roles": "roles",
    "permissions": "permissions",
    "plans": "plans",
    "payments": "payments",
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


async def start_billing(app: FastAPI) -> None:
    """Build the configured payment gateway once; missing keys (or two domains claiming one payment
    reference kind) stop start-up, not a request."""
    app.state.payment_gateway = build_payment_gateway(app.state.settings)
    payment_handlers(app.state.settings)


async def stop_billing(app: FastAPI) -> None:
    close = getattr(getattr(app.state, "payment_gateway", None), "close", None)
    if close is not None:
        await close()


domain = Domain(
    name="accounts",
    # Fixed paths before parameterised ones: /users/me/plans and /users/me/settings before /users/{id}.
    routers=(
        auth_router,
        subscriptions_router,
        grants_router,
        settings_router,
        users_router,
        roles_router,
        permissions_router,
        plans_router,
        notifications_router,
        webhooks_router,
        charges_router,
        pay_router,
    ),
    permissions=PERMISSIONS,
    default_roles={"superadmin": ["*"], "admin": ADMIN_PERMISSIONS, "user": []},
    seed=seed,
    jobs=(expire_subscriptions_job, renew_subscriptions_job, expire_offline_checkouts_job),
    scheduled_jobs=(
        ScheduledJob("expire-subscriptions", EXPIRE_SUBSCRIPTIONS, cron="0 * * * *"),
        ScheduledJob("renew-subscriptions", RENEW_SUBSCRIPTIONS, cron="30 * * * *"),
        ScheduledJob("expire-offline-checkouts", EXPIRE_CHECKOUTS, cron="*/5 * * * *"),
    ),
    # Providers retry webhooks in bursts; throttling them would only delay the payment.
    rate_limit_exempt=(f"/api/v1{WEBHOOK_PREFIX}",),
    on_startup=(start_billing,),
    on_shutdown=(stop_billing,),
    # Every gateway's verified events go through the core inbox to billing's one handler.
    inbox_handlers={provider: handle_payment_event for provider in PROVIDERS},
    payment_handlers={REFERENCE_KIND: on_plan_payment},
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

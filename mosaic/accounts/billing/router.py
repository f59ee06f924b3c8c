"""HTTP layer of billing: the webhook endpoint, the offline checkout pages, admin charges/refunds.

The webhook takes the raw body (signatures are over the exact bytes) and is exempt from the
general rate limit (a provider retrying a burst must not be throttled into giving up). The
`/pay/{session}` pages belong to the offline gateway: paying there hands a signed event to
`service.receive_webhook`, the function the webhook endpoint calls.
"""

from __future__ import annotations

import html
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from mosaic.accounts.billing import service
from mosaic.accounts.billing.models import Charge
from mosaic.accounts.billing.schemas import ChargeOut, RefundIn, RefundOut, WebhookAck
from mosaic.accounts.deps import require_permission
from mosaic.core.access import public
from mosaic.core.database import utcnow
from mosaic.core.deps import SessionDep
from mosaic.core.envelope import Envelope, created, ok
from mosaic.core.errors import error_responses
from mosaic.core.inbox import InboxRegistry
from mosaic.core.jobs import JobQueue, get_jobs
from mosaic.core.money import to_minor_units
from mosaic.core.pagination import Page, PageParams, page_of
from mosaic.providers.payments import PaymentGateway
from mosaic.providers.payments.offline import PAY_PATH, OfflineGateway

WEBHOOK_PREFIX = "/payments/webhooks"

webhooks_router = APIRouter(prefix=WEBHOOK_PREFIX, tags=["payments"])
charges_router = APIRouter(prefix="/payments/charges", tags=["payments"])
pay_router = APIRouter(prefix="/pay", tags=["payments"])


async def get_job_queue(request: Request) -> JobQueue:
    """`core.jobs.get_jobs` as an async dependency (a sync one costs a thread hop per request)."""
    return get_jobs(request)


Jobs = Annotated[JobQueue, Depends(get_job_queue)]


async def get_gateway(request: Request) -> PaymentGateway:
    gateway: PaymentGateway = request.app.state.payment_gateway
    return gateway


Gateway = Annotated[PaymentGateway, Depends(get_gateway)]


async def get_inbox(request: Request) -> InboxRegistry:
    inbox: InboxRegistry = request.app.state.inbox
    return inbox


Inbox = Annotated[InboxRegistry, Depends(get_inbox)]


def charge_out(charge: Charge) -> ChargeOut:
    return ChargeOut(
        id=charge.id,
        gateway=charge.gateway,
        status=charge.status,
        reference=f"{charge.reference_kind}:{charge.reference_id}",
        purpose=charge.purpose,
        description=charge.description,
        amount=service.amount_of(charge),
        refunded_amount=service.amount_of(charge, charge.refunded_minor),
        currency=charge.currency,
        session_id=charge.session_id,
        payment_id=charge.payment_id,
        checkout_url=charge.checkout_url,
        expires_at=charge.expires_at,
        paid_at=charge.paid_at,
        created_at=charge.created_at,
    )


@webhooks_router.post(
    "/{provider}",
    response_model=Envelope[WebhookAck],
    summary="Receive a payment provider's webhook",
    responses=error_responses(
        400,
        404,
        503,
        codes={
            400: [("INVALID_SIGNATURE", "The webhook signature or body is not valid")],
            404: [
                (
                    "PAYMENT_PROVIDER_NOT_CONFIGURED",
                    "This deployment does not take payments through that provider",
                )
            ],
        },
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The provider's event exactly as sent (the signature covers these bytes).",
            "content": {
                "application/json": {
                    "schema": {"type": "object", "additionalProperties": True},
                    "examples": {
                        "stripe": {
                            "summary": "Stripe checkout.session.completed",
                            "value": {
                                "id": "evt_1QbZ3x2eZvKYlo2C8mJ7f1Aa",
                                "object": "event",
                                "type": "checkout.session.completed",
                                "data": {
                                    "object": {
                                        "id": "cs_test_a1b2c3",
                                        "object": "checkout.session",
                                        "payment_status": "paid",
                                        "payment_intent": "pi_3QbZ3x2eZvKYlo2C0rDm7Rk1",
                                        "amount_total": 2900,
                                        "currency": "usd",
                                    }
                                },
                            },
                        }
                    },
                }
            },
        }
    },
)
@public
async def receive_webhook(
    provider: Annotated[
        str,
        Path(
            max_length=64,
            description="The sending gateway (the configured one): `offline`, `stripe` or `square`.",
            examples=["stripe"],
        ),
    ],
    request: Request,
    session: SessionDep,
    gateway: Gateway,
    jobs: Jobs,
    inbox: Inbox,
) -> Envelope[WebhookAck]:
    if provider != gateway.name:
        raise service.ProviderNotConfigured()
    body = await request.body()
    event, outcome = await service.receive_webhook(session, jobs, inbox, gateway, body, dict(request.headers))
    ack = WebhookAck(
        provider=gateway.name,
        event_id=event.event_id,
        type=event.type.value,
        duplicate=outcome == "duplicate",
    )
    return ok(ack, "Event already received" if ack.duplicate else "Event received")


@charges_router.get(
    "",
    response_model=Envelope[Page[ChargeOut]],
    summary="List charges (admin)",
    responses=error_responses(401, 403),
    dependencies=[Depends(require_permission("payments", "read"))],
)
async def list_charges(
    session: SessionDep,
    page: Annotated[PageParams, service.ChargeRepository.pagination],
    status_filter: Annotated[
        Literal["pending", "paid", "partially_refunded", "refunded", "expired", "cancelled", "failed"] | None,
        Query(alias="status", description="Only charges in this status."),
    ] = None,
    reference: Annotated[
        str | None,
        Query(
            max_length=140,
            pattern=r"^[a-z_]+:[A-Za-z0-9-]+$",
            description="Only the charges of one reference, e.g. `plan_subscription:<uuid>`.",
        ),
    ] = None,
) -> Envelope[Page[ChargeOut]]:
    filters: dict[str, str | None] = {"status": status_filter}
    if reference:
        kind, _, ident = reference.partition(":")
        filters |= {"reference_kind": kind, "reference_id": ident}
    rows, total = await service.ChargeRepository(session).paginate(page, filter_by=filters)
    return ok(page_of(ChargeOut, rows, total, page, charge_out), "Charges retrieved")


@charges_router.post(
    "/{charge_id}/refunds",
    response_model=Envelope[RefundOut],
    status_code=201,
    summary="Refund a charge, fully or partly (admin)",
    responses=error_responses(
        401,
        403,
        404,
        409,
        503,
        codes={
            409: [
                ("CHARGE_NOT_REFUNDABLE", "Only a paid charge can be refunded"),
                ("REFUND_EXCEEDS_CHARGE", "Refund must be between 1 and 2900 minor units"),
            ],
            503: [
                (
                    "PAYMENT_GATEWAY_UNAVAILABLE",
                    "The payment provider could not be reached; try again shortly",
                )
            ],
        },
    ),
    dependencies=[Depends(require_permission("payments", "write"))],
)
async def refund_charge(
    charge_id: Annotated[uuid.UUID, Path(description="The charge to refund.")],
    body: RefundIn,
    session: SessionDep,
    gateway: Gateway,
) -> Envelope[RefundOut]:
    charge = await service.ChargeRepository(session).get_or_404(charge_id, for_update=True)
    if charge.gateway != gateway.name:
        raise service.ProviderNotConfigured()
    try:
        minor = None if body.amount is None else to_minor_units(body.amount, charge.currency)
    except ValueError:
        raise service.RefundTooPrecise() from None
    refund = await service.refund_charge(session, gateway, charge, minor, body.reason)
    out = RefundOut(
        id=refund.id,
        charge_id=charge.id,
        provider_refund_id=refund.provider_refund_id,
        amount=service.amount_of(charge, refund.amount_minor),
        status=refund.status,
        reason=refund.reason,
        charge=charge_out(charge),
    )
    return created(out, "Refund recorded")


# --- the offline checkout pages ---------------------------------------------------------------

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title} · Mosaic checkout</title>
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#1b1b1f}}
.card{{border:1px solid #ddd;border-radius:12px;padding:1.5rem}}.amount{{font-size:2rem;font-weight:600}}
.muted{{color:#666}}form{{display:inline}}button{{font-size:1rem;padding:.6rem 1.4rem;border-radius:8px;
border:1px solid #888;margin-right:.5rem;cursor:pointer}}
button.pay{{background:#1f6feb;color:#fff;border:0}}</style>
</head><body><main class="card"><p class="muted">Mosaic test checkout (offline gateway: no money moves)</p>
<h1>{title}</h1>{content}</main></body></html>"""


def page(title: str, content: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(PAGE.format(title=html.escape(title), content=content), status_code=status_code)


async def offline_charge(session: SessionDep, gateway: PaymentGateway, session_id: str) -> Charge | None:
    if not isinstance(gateway, OfflineGateway) or not gateway.enabled:
        return None
    result = await session.execute(
        select(Charge).where(Charge.gateway == "offline", Charge.session_id == session_id).with_for_update()
    )
    return result.scalar_one_or_none()


def summary(charge: Charge) -> str:
    return (
        f'<p class="amount">{html.escape(str(service.amount_of(charge)))} {html.escape(charge.currency)}</p>'
        f"<p>{html.escape(charge.description)}</p>"
    )


def link(url: str, text: str) -> str:
    return f'<p><a href="{html.escape(url, quote=True)}">{html.escape(text)}</a></p>'


_HTML = {"text/html": {"example": "<!doctype html><html>...</html>"}}
# The pages answer HTML; what fails before them (validation, limits) is the usual JSON envelope.
# Declared here without a model so FastAPI does not file those under the route's text/html.
_JSON_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}
HTML_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": _HTML, "description": "The page"},
    404: {"content": _HTML, "description": "No such checkout"},
    409: {"content": _HTML, "description": "The checkout is no longer payable (paid, cancelled or expired)"},
    **{status: {"content": _JSON_ERROR, "description": ""} for status in (400, 422, 429, 500)},
}

SessionPath = Annotated[
    str,
    Path(
        min_length=4,
        max_length=64,
        description="The offline checkout session (`ps_...`), as in the payment URL.",
        examples=["ps_Qm9yZ2V0LW1lLW5vdA"],
    ),
]


@pay_router.get(
    "/{session_id}",
    response_class=HTMLResponse,
    summary="The offline checkout page",
    responses=HTML_RESPONSES,
)
@public
async def pay_page(session_id: SessionPath, session: SessionDep, gateway: Gateway) -> HTMLResponse:
    charge = await offline_charge(session, gateway, session_id)
    if charge is None:
        return page("Checkout not found", "<p>There is no such checkout.</p>", 404)
    if charge.status != "pending":
        return page(f"Checkout {charge.status}", summary(charge) + link(charge.success_url, "Continue"))
    if charge.expires_at <= utcnow():
        return page("Checkout expired", summary(charge) + "<p>This checkout has expired.</p>")
    base = f"{PAY_PATH}/{html.escape(session_id, quote=True)}"
    buttons = (
        f'<form method="post" action="{base}/complete"><button class="pay" type="submit">Pay</button></form>'
        f'<form method="post" action="{base}/cancel"><button type="submit">Cancel</button></form>'
        f'<p class="muted">Expires {html.escape(charge.expires_at.isoformat(timespec="seconds"))}</p>'
    )
    return page("Pay", summary(charge) + buttons)


async def finish(
    session_id: str,
    session: SessionDep,
    gateway: PaymentGateway,
    jobs: JobQueue,
    inbox: InboxRegistry,
    action: Literal["pay", "cancel"],
) -> HTMLResponse:
    charge = await offline_charge(session, gateway, session_id)
    if charge is None or not isinstance(gateway, OfflineGateway):
        return page("Checkout not found", "<p>There is no such checkout.</p>", 404)
    if charge.status != "pending":
        return page(f"Checkout {charge.status}", summary(charge) + "<p>Nothing was charged again.</p>", 409)
    if charge.expires_at <= utcnow():
        await service.deliver_offline_event(session, jobs, inbox, gateway, charge, "checkout.expired")
        return page(
            "Checkout expired",
            summary(charge) + "<p>This checkout has expired; nothing was charged.</p>",
            409,
        )
    if action == "cancel":
        await service.deliver_offline_event(session, jobs, inbox, gateway, charge, "checkout.cancelled")
        return page("Payment cancelled", summary(charge) + link(charge.cancel_url, "Back"))
    await service.deliver_offline_event(session, jobs, inbox, gateway, charge, "checkout.completed")
    return page("Payment received", summary(charge) + link(charge.success_url, "Continue"))


@pay_router.post(
    "/{session_id}/complete",
    response_class=HTMLResponse,
    summary="Pay on the offline checkout page",
    responses=HTML_RESPONSES,
)
@public
async def pay_complete(
    session_id: SessionPath, session: SessionDep, gateway: Gateway, jobs: Jobs, inbox: Inbox
) -> HTMLResponse:
    return await finish(session_id, session, gateway, jobs, inbox, "pay")


@pay_router.post(
    "/{session_id}/cancel",
    response_class=HTMLResponse,
    summary="Cancel on the offline checkout page",
    responses=HTML_RESPONSES,
)
@public
async def pay_cancel(
    session_id: SessionPath, session: SessionDep, gateway: Gateway, jobs: Jobs, inbox: Inbox
) -> HTMLResponse:
    return await finish(session_id, session, gateway, jobs, inbox, "cancel")

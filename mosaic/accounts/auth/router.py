"""HTTP layer of authentication: parse, call the service, wrap in the envelope."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, Depends, Query, Request, Response, status
from fastapi.responses import RedirectResponse
from fastapi.security import OAuth2PasswordRequestForm

from mosaic.accounts.auth.schemas import (
    Accepted,
    ChangePasswordIn,
    EmailIn,
    LoginIn,
    OAuth2TokenEnvelope,
    RefreshIn,
    RegisterIn,
    ResetPasswordIn,
    TokenPair,
)
from mosaic.accounts.auth.service import BAD_TOKEN, INVALID_CREDENTIALS, INVALID_REFRESH, AuthService
from mosaic.accounts.deps import CurrentPrincipal, load_current_user, oauth2_scheme
from mosaic.accounts.users.router import get_me
from mosaic.accounts.users.schemas import MeOut, UserOut
from mosaic.core.access import public
from mosaic.core.deps import DatabaseDep, SessionDep, SettingsDep
from mosaic.core.envelope import Envelope, created, ok
from mosaic.core.errors import BadRequest, NotFound, error_responses
from mosaic.core.jobs import get_jobs
from mosaic.core.ratelimit import limit_credentials
from mosaic.core.security import TokenError, TokenPurpose, decode_token, sha256_hex
from mosaic.providers.identity.google import GoogleOAuthClient

router = APIRouter(prefix="/auth", tags=["auth"])

LOGIN_ERRORS = {
    401: [("INVALID_CREDENTIALS", INVALID_CREDENTIALS)],
    403: [("ACCOUNT_DISABLED", "Account is disabled")],
}

OAUTH_COOKIE = "mosaic_oauth"
ACCEPTED = Accepted(detail="If the address belongs to an account, an email is on its way.")


async def get_auth_service(
    session: SessionDep, settings: SettingsDep, database: DatabaseDep, request: Request
) -> AuthService:
    declared = frozenset(role for domain in request.app.state.domains for role in domain.default_roles)
    return AuthService(
        session,
        settings,
        database,
        get_jobs(request),
        limiter=getattr(request.app.state, "limiter", None),
        declared_roles=declared,
    )


Auth = Annotated[AuthService, Depends(get_auth_service)]


def _no_store(response: Response) -> None:
    """Token responses must never be cached by a browser or proxy (RFC 6749 §5.1)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


@router.post(
    "/register",
    response_model=Envelope[UserOut],
    status_code=status.HTTP_201_CREATED,
    summary="Register a new account",
    responses=error_responses(codes={400: [("VALIDATION_ERROR", "Email is already registered")]}),
)
@public
async def register(body: RegisterIn, auth: Auth, request: Request) -> Envelope[UserOut]:
    await limit_credentials(request, "register")
    user = await auth.register(body)
    return created(UserOut.of(user), "User registered successfully")


@router.get(
    "/me",
    response_model=Envelope[MeOut],
    summary="My profile (alias of GET /users/me)",
    responses=error_responses(401),
)
async def get_auth_me(principal: CurrentPrincipal, request: Request) -> Envelope[MeOut]:
    return await get_me(principal, request)


@router.post(
    "/login",
    response_model=Envelope[TokenPair],
    summary="Log in with email and password",
    responses=error_responses(codes=LOGIN_ERRORS),
)
@public
async def login(body: LoginIn, auth: Auth, request: Request, response: Response) -> Envelope[TokenPair]:
    await limit_credentials(request, "login", body.email)
    _no_store(response)
    return ok(await auth.login(body.email, body.password), "Login successful")


@router.post(
    "/token",
    response_model=OAuth2TokenEnvelope,
    summary="OAuth2 password grant (Swagger UI's Authorize button)",
    responses=error_responses(codes=LOGIN_ERRORS),
)
@public
async def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], auth: Auth, request: Request, response: Response
) -> OAuth2TokenEnvelope:
    await limit_credentials(request, "login", form.username)
    _no_store(response)
    pair = await auth.login(form.username, form.password)
    return OAuth2TokenEnvelope(
        status_code=200, message="Login successful", data=pair, access_token=pair.access_token
    )


@router.post(
    "/refresh",
    response_model=Envelope[TokenPair],
    summary="Rotate a refresh token",
    responses=error_responses(codes={401: [("UNAUTHORIZED", INVALID_REFRESH)]}),
)
@public
async def refresh(body: RefreshIn, auth: Auth, request: Request, response: Response) -> Envelope[TokenPair]:
    # The token stands for the account here (its hash: no secret reaches the limiter's store).
    await limit_credentials(request, "refresh", sha256_hex(body.refresh_token))
    _no_store(response)
    return ok(await auth.refresh(body.refresh_token), "Token refreshed")


@router.post(
    "/logout",
    response_model=Envelope[None],
    summary="Revoke a refresh token (and the access token sent)",
    responses=error_responses(codes={401: [("UNAUTHORIZED", INVALID_REFRESH)]}),
)
@public
async def logout(
    body: RefreshIn,
    auth: Auth,
    settings: SettingsDep,
    access_token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Envelope[None]:
    access_claims = None
    if access_token:
        try:
            access_claims = decode_token(settings, access_token, TokenPurpose.ACCESS)
        except TokenError:
            access_claims = None  # an expired access token must not prevent logging out
    await auth.logout(body.refresh_token, access_claims)
    return ok(None, "Logged out")


@router.get(
    "/verify-email",
    response_model=Envelope[None],
    summary="Verify an email address",
    responses=error_responses(codes={400: [("INVALID_TOKEN", BAD_TOKEN)]}),
)
@public
async def verify_email(
    token: Annotated[
        str, Query(min_length=1, max_length=4096, description="The token of the verification email's link.")
    ],
    auth: Auth,
) -> Envelope[None]:
    newly = await auth.verify_email(token)
    return ok(None, "Email verified" if newly else "Email already verified")


@router.post(
    "/resend-verification",
    response_model=Envelope[Accepted],
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send the verification email again",
)
@public
async def resend_verification(body: EmailIn, auth: Auth, request: Request) -> Envelope[Accepted]:
    await limit_credentials(request, "resend-verification", body.email)
    await auth.resend_verification(body.email)
    return ok(ACCEPTED, "Request accepted", status_code=202)


@router.post(
    "/forgot-password",
    response_model=Envelope[Accepted],
    status_code=status.HTTP_202_ACCEPTED,
    summary="Email a password reset link",
)
@public
async def forgot_password(body: EmailIn, auth: Auth, request: Request) -> Envelope[Accepted]:
    await limit_credentials(request, "forgot-password", body.email)
    await auth.forgot_password(body.email)
    return ok(ACCEPTED, "Request accepted", status_code=202)


@router.post(
    "/reset-password",
    response_model=Envelope[None],
    summary="Set a new password with a reset token",
    responses=error_responses(
        codes={
            400: [
                ("INVALID_TOKEN", BAD_TOKEN),
                ("INVALID_PASSWORD", "Password must be at least 8 characters"),
            ]
        }
    ),
)
@public
async def reset_password(body: ResetPasswordIn, auth: Auth, request: Request) -> Envelope[None]:
    await limit_credentials(request, "reset-password", sha256_hex(body.token))
    await auth.reset_password(body.token, body.new_password)
    return ok(None, "Password has been reset")


@router.post(
    "/change-password",
    response_model=Envelope[TokenPair],
    summary="Change password; every other session is signed out",
    responses=error_responses(401, codes={400: [("INVALID_PASSWORD", "Current password is incorrect")]}),
)
async def change_password(
    body: ChangePasswordIn, principal: CurrentPrincipal, auth: Auth, response: Response
) -> Envelope[TokenPair]:
    _no_store(response)
    user = await load_current_user(auth.session, principal)
    pair = await auth.change_password(user, body.current_password, body.new_password)
    return ok(pair, "Password changed")


async def _google(settings: SettingsDep) -> GoogleOAuthClient:
    if not settings.google_enabled:
        raise NotFound("Google sign-in is not configured")
    return GoogleOAuthClient(settings)


Google = Annotated[GoogleOAuthClient, Depends(_google)]


def _safe_redirect(target: str | None) -> str | None:
    """Only same-site relative paths: `//evil.tld` and absolute URLs are open redirects."""
    if target is None:
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        raise BadRequest("redirect must be a relative path", code="INVALID_REDIRECT")
    return target


@router.get(
    "/google/redirect",
    status_code=status.HTTP_307_TEMPORARY_REDIRECT,
    response_class=RedirectResponse,
    summary="Start Google sign-in",
    responses={307: {"description": "Redirect to Google's consent screen"}, **error_responses(400, 404)},
)
@public
async def google_redirect(
    google: Google,
    auth: Auth,
    settings: SettingsDep,
    redirect: Annotated[
        str | None,
        Query(max_length=512, description="Front-end path or allowed URL to return to after sign-in."),
    ] = None,
) -> RedirectResponse:
    url, browser = await auth.google_start(google, _safe_redirect(redirect))
    response = RedirectResponse(url, status_code=status.HTTP_307_TEMPORARY_REDIRECT)
    response.set_cookie(
        OAUTH_COOKIE,
        browser,
        max_age=settings.OAUTH_STATE_EXPIRE_MINUTES * 60,
        httponly=True,
        secure=settings.is_production,
        samesite="lax",
        path="/api/v1/auth/google",
    )
    return response


@router.get(
    "/google/callback",
    response_model=Envelope[TokenPair],
    summary="Finish Google sign-in",
    responses=error_responses(400, 404, 503),
)
@public
async def google_callback(
    google: Google,
    auth: Auth,
    request: Request,
    response: Response,
    code: Annotated[str | None, Query(max_length=2048, description="Google's authorization code.")] = None,
    state: Annotated[
        str | None, Query(max_length=512, description="The signed state sent to Google by the redirect.")
    ] = None,
    browser: Annotated[
        str | None,
        Cookie(alias=OAUTH_COOKIE, description="Binds the sign-in to the browser that began it."),
    ] = None,
) -> Envelope[TokenPair]:
    await limit_credentials(request, "oauth-callback")
    _no_store(response)
    if not code or not state:
        raise BadRequest("Missing code or state", code="OAUTH_INVALID_STATE")
    pair = await auth.google_callback(google, code, state, browser)
    response.delete_cookie(OAUTH_COOKIE, path="/api/v1/auth/google")
    return ok(pair, "Signed in with Google")

"""Authentication: registration, login, token rotation and revocation, email flows, Google sign-in.

Token state that must outlive a failing request (a detected refresh-token reuse revokes its whole
family, then the request fails with 401) is written in its own unit of work, so the rollback of
the request cannot undo the revocation. A refresh runs entirely in that unit of work: it never
touches, and never rolls back, the request's session (whose other work, and whose objects, stay
as they were), and on SQLite no second connection waits on the request's write lock. The claim
of a refresh token therefore commits even when the rest of the request then fails: the safe
direction (the token is spent; the user signs in again), never two live tokens.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.accounts.auth.models import OAuthState, RefreshToken, RevokedAccessToken
from mosaic.accounts.auth.schemas import RegisterIn, TokenPair
from mosaic.accounts.rbac.service import USER
from mosaic.accounts.users.models import User
from mosaic.accounts.users.service import (
    UserRepository,
    create_user,
    load_user,
    normalize_email,
    revoke_all_tokens,
)
from mosaic.core.config import Settings
from mosaic.core.database import Database, utcnow
from mosaic.core.errors import BadRequest, Forbidden, InvalidInput, Unauthorized, ValidationFailed
from mosaic.core.jobs import JobQueue
from mosaic.core.ratelimit import RateLimiter
from mosaic.core.security import (
    TokenError,
    TokenPurpose,
    decode_token,
    hash_password,
    issue_token,
    password_problem,
    sha256_hex,
    verify_password,
)
from mosaic.providers.email import queue_email
from mosaic.providers.identity.google import GoogleOAuthClient

# The role a self-registered studio owner gets; declared by the booking domain, named here as data.
STUDIO_OWNER = "studio_owner"

logger = logging.getLogger("mosaic.auth")

INVALID_CREDENTIALS = "Invalid email or password"
INVALID_REFRESH = "Invalid or expired refresh token"
BAD_TOKEN = "Invalid or expired token"


@dataclass
class AuthService:
    session: AsyncSession
    settings: Settings
    database: Database
    jobs: JobQueue
    limiter: RateLimiter | None = None  # quotas (reset emails per day); None in jobs and scripts
    # Role names the enabled domains declare: an account type maps to one only when it is here.
    declared_roles: frozenset[str] = frozenset()

    # -- tokens -------------------------------------------------------------------------------
    async def issue_pair(
        self, user: User, *, family: RefreshToken | None = None, session: AsyncSession | None = None
    ) -> TokenPair:
        """An access token and a refresh token; a rotation keeps the family and its absolute expiry.

        Written in `session` (a refresh's own unit of work) or else the request's session."""
        session = session if session is not None else self.session
        settings = self.settings
        now = utcnow()
        expires_at = family.expires_at if family else now + timedelta(days=settings.REFRESH_TOKEN_EXPIRE_DAYS)
        family_id = family.family_id if family else uuid.uuid4().hex
        jti = secrets.token_hex(16)  # 128 random bits
        row = RefreshToken(
            jti=jti,
            user_id=user.id,
            family_id=family_id,
            token_hash="",
            expires_at=expires_at,
            created_at=now,
        )
        refresh = self._refresh_token(user, row)
        row.token_hash = sha256_hex(refresh)
        session.add(row)
        await session.flush()
        return self._pair(user, refresh)

    def _pair(self, user: User, refresh: str) -> TokenPair:
        lifetime = timedelta(minutes=self.settings.ACCESS_TOKEN_EXPIRE_MINUTES)
        access, _ = issue_token(
            self.settings, TokenPurpose.ACCESS, str(user.id), lifetime, extra={"ver": user.token_version}
        )
        return TokenPair(access_token=access, refresh_token=refresh, expires_in=int(lifetime.total_seconds()))

    def _refresh_token(self, user: User, row: RefreshToken) -> str:
        """The refresh token of `row`: a function of the row (and the user's token version), so
        the grace window can hand the same successor out again without ever storing the token."""
        token, _ = issue_token(
            self.settings,
            TokenPurpose.REFRESH,
            str(user.id),
            max(row.expires_at - row.created_at, timedelta(seconds=1)),
            extra={"ver": user.token_version, "fam": row.family_id},
            now=row.created_at,
            jti=row.jti,
        )
        return token

    async def _successor_in_grace(self, session: AsyncSession, row: RefreshToken) -> TokenPair | None:
        """RFC 9700 §4.14.2: shortly after a rotation, the rotated token is answered with the pair's
        refresh token again (two tabs refreshing at once must not log the user out). Only while
        that successor is itself unused and live; anything else is reuse."""
        grace = timedelta(seconds=self.settings.REFRESH_REUSE_GRACE_SECONDS)
        if not grace or row.used_at is None or utcnow() - row.used_at > grace:
            return None
        successor = (
            await session.execute(
                select(RefreshToken)
                .where(RefreshToken.family_id == row.family_id, RefreshToken.created_at >= row.used_at)
                .order_by(RefreshToken.created_at)
                .limit(1)
            )
        ).scalar_one_or_none()
        if successor is None or successor.used_at is not None or successor.revoked_at is not None:
            return None
        user = await session.get(User, row.user_id)
        if user is None or user.is_deleted or not user.is_active:
            return None
        refresh = self._refresh_token(user, successor)
        if sha256_hex(refresh) != successor.token_hash:  # the token version moved on since
            return None
        return self._pair(user, refresh)

    @staticmethod
    async def _revoke_family(session: AsyncSession, family_id: str) -> None:
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        logger.warning("refresh token reuse detected: family %s revoked", family_id[:8])

    async def refresh(self, token: str) -> TokenPair:
        try:
            claims = decode_token(self.settings, token, TokenPurpose.REFRESH)
        except TokenError as exc:
            raise Unauthorized(INVALID_REFRESH) from exc
        # Own unit of work: it commits (a revocation included) before the 401 is raised here.
        async with self.database.transaction() as own:
            pair = await self._rotate(own, token, claims)
        if pair is None:
            raise Unauthorized(INVALID_REFRESH)
        return pair

    async def _rotate(self, session: AsyncSession, token: str, claims: dict[str, Any]) -> TokenPair | None:
        """The new pair, or None (refused) after recording what must stay recorded."""
        row = await session.get(RefreshToken, claims["jti"])
        if row is None or row.token_hash != sha256_hex(token) or row.revoked_at is not None:
            return None
        if row.used_at is not None:  # a spent token presented again: stolen, unless just rotated
            return await self._grace_or_revoke(session, row)
        # Atomic claim: of two concurrent refreshes with one token, exactly one updates the row.
        claimed = await session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.jti == row.jti, RefreshToken.used_at.is_(None), RefreshToken.revoked_at.is_(None)
            )
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            await session.refresh(row)  # the concurrent winner's rotation
            return await self._grace_or_revoke(session, row)
        user = await session.get(User, row.user_id)
        if user is None or user.is_deleted or not user.is_active or claims.get("ver") != user.token_version:
            return None
        return await self.issue_pair(user, family=row, session=session)

    async def _grace_or_revoke(self, session: AsyncSession, row: RefreshToken) -> TokenPair | None:
        """The successor again within the grace window; otherwise the family is revoked (in the
        refresh's own unit of work, so it stays revoked) and the token refused (None)."""
        pair = await self._successor_in_grace(session, row)
        if pair is not None:
            logger.info(
                "refresh token of family %s presented again within the grace window", row.family_id[:8]
            )
            return pair
        await self._revoke_family(session, row.family_id)
        return None

    async def logout(self, refresh_token: str, access_claims: dict[str, Any] | None) -> None:
        """Revoke the refresh token's family and, when given, the presenting access token."""
        try:
            claims = decode_token(self.settings, refresh_token, TokenPurpose.REFRESH)
        except TokenError as exc:
            raise Unauthorized(INVALID_REFRESH) from exc
        row = await self.session.get(RefreshToken, claims["jti"])
        if row is None or row.token_hash != sha256_hex(refresh_token):
            raise Unauthorized(INVALID_REFRESH)
        if access_claims is not None and access_claims.get("sub") != str(row.user_id):
            raise Unauthorized(INVALID_REFRESH)
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == row.family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        if access_claims is not None:
            await self.revoke_access(access_claims)

    async def revoke_access(self, claims: dict[str, Any]) -> None:
        if await self.session.get(RevokedAccessToken, claims["jti"]) is None:
            self.session.add(
                RevokedAccessToken(
                    jti=claims["jti"],
                    user_id=uuid.UUID(claims["sub"]),
                    expires_at=datetime.fromtimestamp(claims["exp"], tz=utcnow().tzinfo),
                )
            )
            await self.session.flush()

    # -- registration and login -----------------------------------------------------------------
    async def register(self, data: RegisterIn) -> User:
        repo = UserRepository(self.session)
        if await repo.by_email(data.email):
            # Seed 003's documented answer; the endpoint is rate limited to blunt enumeration.
            raise ValidationFailed("Email is already registered")
        role_name = self._role_for(data.account_type)
        try:
            user = await create_user(
                self.session,
                email=data.email,
                password_hash=await hash_password(data.password),
                first_name=data.first_name,
                last_name=data.last_name,
                locale=data.locale,
                is_verified=self.settings.AUTO_VERIFY_EMAIL,
                role_name=role_name,
            )
        except IntegrityError as exc:
            # A concurrent registration of the same email won the unique index: the same answer
            # as when it had finished first (a 409 would tell the two cases apart).
            raise ValidationFailed("Email is already registered") from exc
        queue_email(
            self.session, self.jobs, to=user.email, locale=user.locale, first_name=user.first_name,
            template="welcome-owner" if role_name == STUDIO_OWNER else "welcome",
        )  # fmt: skip
        if not user.is_verified:
            self._send_verification(user)
        logger.info("user registered: %s", user.id)
        return user

    def _role_for(self, account_type: str) -> str:
        """`customer` is the plain `user` role; `studio_owner` exists only with the booking domain on."""
        if account_type == "customer":
            return USER
        if STUDIO_OWNER not in self.declared_roles:
            raise InvalidInput(
                "Studio owner accounts are not available",
                code="ACCOUNT_TYPE_UNAVAILABLE",
                details=[
                    {
                        "field": "account_type",
                        "location": "body",
                        "message": "only 'customer' is available: the booking domain is not enabled",
                        "type": "value_error",
                    }
                ],
            )
        return STUDIO_OWNER

    async def authenticate(self, email: str, password: str) -> User:
        """The same work and the same answer for an unknown email and a wrong password."""
        user = await UserRepository(self.session).by_email(email)
        ok, new_hash = await verify_password(password, user.password_hash if user else None)
        if user is None or not ok:
            logger.info("login failed")
            raise Unauthorized(INVALID_CREDENTIALS, code="INVALID_CREDENTIALS")
        if not user.is_active:
            raise Forbidden("Account is disabled", code="ACCOUNT_DISABLED")
        if new_hash:  # legacy bcrypt or outdated argon2 parameters: upgrade now that we know the password
            user.password_hash = new_hash
        user.last_login_at = utcnow()
        await self.session.flush()
        logger.info("login succeeded: %s", user.id)
        return user

    async def login(self, email: str, password: str) -> TokenPair:
        return await self.issue_pair(await self.authenticate(email, password))

    # -- email verification ---------------------------------------------------------------------
    def _send_verification(self, user: User) -> None:
        token, _ = issue_token(
            self.settings,
            TokenPurpose.VERIFY_EMAIL,
            str(user.id),
            timedelta(hours=self.settings.VERIFY_TOKEN_EXPIRE_HOURS),
            extra={"email": user.email},
        )
        # FRONTEND_URL, never the request's Host header: a poisoned Host cannot redirect the link.
        link = f"{self.settings.FRONTEND_URL.rstrip('/')}/verify-email?token={token}"
        queue_email(
            self.session,
            self.jobs,
            to=user.email,
            template="verification",
            locale=user.locale,
            first_name=user.first_name,
            link=link,
            expires_hours=self.settings.VERIFY_TOKEN_EXPIRE_HOURS,
        )

    async def verify_email(self, token: str) -> bool:
        """Idempotent (mail scanners prefetch links): True if newly verified, False if it already was."""
        user = await self._user_for_token(token, TokenPurpose.VERIFY_EMAIL)
        if user.is_verified:
            return False
        user.is_verified = True
        await self.session.flush()
        return True

    async def resend_verification(self, email: str) -> None:
        user = await UserRepository(self.session).by_email(email)
        if user is not None and user.is_active and not user.is_verified:
            self._send_verification(user)

    # -- password reset and change --------------------------------------------------------------
    @staticmethod
    def _fingerprint(user: User) -> str:
        """Ties a reset token to the current password: once it changes, every older link is dead."""
        return sha256_hex(f"{user.password_hash}|{user.token_version}")[:32]

    async def forgot_password(self, email: str) -> None:
        user = await UserRepository(self.session).by_email(email)
        if user is None or not user.is_active:
            return
        limiter = self.limiter
        if limiter is not None and not await limiter.take(limiter.reset_email_item, f"reset-email:{user.id}"):
            # The same answer as a sent email: the cap must not tell anyone the account exists.
            logger.warning("password-reset emails for user %s capped for today", user.id)
            return
        token, _ = issue_token(
            self.settings,
            TokenPurpose.RESET_PASSWORD,
            str(user.id),
            timedelta(minutes=self.settings.RESET_TOKEN_EXPIRE_MINUTES),
            extra={"email": user.email, "fgpt": self._fingerprint(user)},
        )
        link = f"{self.settings.FRONTEND_URL.rstrip('/')}/reset-password?token={token}"
        queue_email(
            self.session,
            self.jobs,
            to=user.email,
            template="password-reset",
            locale=user.locale,
            first_name=user.first_name,
            link=link,
            expires_minutes=self.settings.RESET_TOKEN_EXPIRE_MINUTES,
        )

    async def reset_password(self, token: str, new_password: str) -> None:
        user = await self._user_for_token(token, TokenPurpose.RESET_PASSWORD)
        claims = decode_token(self.settings, token, TokenPurpose.RESET_PASSWORD)
        if claims.get("fgpt") != self._fingerprint(user) or not user.is_active:
            raise BadRequest(BAD_TOKEN, code="INVALID_TOKEN")
        problem = password_problem(new_password)
        if problem:  # the token stays usable: nothing was changed
            raise BadRequest(problem, code="INVALID_PASSWORD")
        user.password_hash = await hash_password(new_password)
        await revoke_all_tokens(self.session, user)

    async def change_password(self, user: User, current: str, new: str) -> TokenPair:
        ok, _ = await verify_password(current, user.password_hash)
        if not ok:
            raise BadRequest("Current password is incorrect", code="INVALID_PASSWORD")
        user.password_hash = await hash_password(new)
        await revoke_all_tokens(self.session, user)
        return await self.issue_pair(user)

    async def _user_for_token(self, token: str, purpose: TokenPurpose) -> User:
        try:
            claims = decode_token(self.settings, token, purpose)
            user_id = uuid.UUID(claims["sub"])
        except (TokenError, ValueError) as exc:
            raise BadRequest(BAD_TOKEN, code="INVALID_TOKEN") from exc
        user = await UserRepository(self.session).get(user_id)
        if user is None or normalize_email(str(claims.get("email", ""))) != user.email:
            raise BadRequest(BAD_TOKEN, code="INVALID_TOKEN")
        return user

    # -- Google sign-in -------------------------------------------------------------------------
    async def google_start(self, client: GoogleOAuthClient, redirect_to: str | None) -> tuple[str, str]:
        """(authorization URL, browser nonce for the cookie that binds the flow to this browser)."""
        state = secrets.token_urlsafe(32)
        browser = secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(64)
        self.session.add(
            OAuthState(
                provider="google",
                state_hash=sha256_hex(state),
                browser_hash=sha256_hex(browser),
                code_verifier=verifier,
                redirect_to=redirect_to,
                expires_at=utcnow() + timedelta(minutes=self.settings.OAUTH_STATE_EXPIRE_MINUTES),
            )
        )
        await self.session.flush()
        return client.authorization_url(state, verifier), browser

    async def _consume_state(self, state: str, browser: str | None) -> OAuthState:
        flow = await self.session.scalar(select(OAuthState).where(OAuthState.state_hash == sha256_hex(state)))
        if (
            flow is None
            or browser is None
            or not secrets.compare_digest(flow.browser_hash, sha256_hex(browser))
            or flow.expires_at < utcnow()
        ):
            raise BadRequest("Invalid or expired sign-in state", code="OAUTH_INVALID_STATE")
        claimed = await self.session.execute(
            update(OAuthState)
            .where(OAuthState.id == flow.id, OAuthState.used_at.is_(None))
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise BadRequest("Invalid or expired sign-in state", code="OAUTH_INVALID_STATE")
        return flow

    async def google_callback(
        self, client: GoogleOAuthClient, code: str, state: str, browser: str | None
    ) -> TokenPair:
        flow = await self._consume_state(state, browser)
        claims = await client.exchange(code, flow.code_verifier)
        user = await self._google_user(claims)
        user.last_login_at = utcnow()
        return await self.issue_pair(user)

    async def _google_user(self, claims: dict[str, Any]) -> User:
        repo = UserRepository(self.session)
        subject = str(claims["sub"])
        user = await repo.find_one(User.google_sub == subject)
        email = claims.get("email")
        if user is None:
            if claims.get("email_verified") is not True or not isinstance(email, str):
                raise BadRequest("Google account email is not verified", code="OAUTH_EMAIL_NOT_VERIFIED")
            user = await repo.by_email(email)
            if user is not None:  # the same verified mailbox: link the Google identity to the account
                user.google_sub = subject
                user.is_verified = True
            else:
                user = await create_user(
                    self.session,
                    email=email,
                    password_hash=None,
                    first_name=str(claims.get("given_name") or "")[:100],
                    last_name=str(claims.get("family_name") or "")[:100],
                    is_verified=True,
                    google_sub=subject,
                )
        if not user.is_active:
            raise BadRequest("Account is disabled", code="ACCOUNT_DISABLED")
        await self.session.flush()
        return await load_user(self.session, user.id)

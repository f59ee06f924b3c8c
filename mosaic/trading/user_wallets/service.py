"""Connected wallets: owner-scoped CRUD, credentials sealed per row, masked output, key rotation.

Plaintext credentials exist only inside this module's functions: they are sealed before the
row is written and masked right after they are opened. Nothing here logs a credential, and
errors name rows by id only.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.core.config import Settings
from mosaic.core.database import utcnow
from mosaic.core.errors import AppError
from mosaic.core.pagination import PageParams
from mosaic.core.repository import Repository
from mosaic.trading.user_wallets.crypto import CredentialCipher, CredentialDecryptError, associated_data
from mosaic.trading.user_wallets.models import UserWallet
from mosaic.trading.user_wallets.schemas import UserWalletIn, UserWalletOut, UserWalletUpdate
from mosaic.trading.wallets.schemas import WalletSummary
from mosaic.trading.wallets.service import connectable_wallet

logger = logging.getLogger("mosaic.trading")

MASK = "****"
# Showing the last 4 characters of a shorter value would reveal a third or more of it.
MIN_LENGTH_TO_SHOW_TAIL = 12


class CredentialsUnreadable(AppError):
    status_code = 409
    code = "CREDENTIALS_UNREADABLE"
    default_message = "The stored credentials cannot be read; connect the wallet again"


class UserWalletRepository(Repository[UserWallet]):
    model = UserWallet
    label = "Wallet connection"
    owner_field = "user_id"
    sortable = frozenset({"created_at", "updated_at", "balance"})


def mask(value: str) -> str:
    return MASK + value[-4:] if len(value) >= MIN_LENGTH_TO_SHOW_TAIL else MASK


def _aad(row: UserWallet) -> bytes:
    return associated_data(row.user_id, row.wallet_id, row.id)


def _seal(cipher: CredentialCipher, row: UserWallet, credentials: dict[str, str]) -> None:
    plaintext = json.dumps(credentials, sort_keys=True, separators=(",", ":")).encode()
    row.credentials_encrypted = cipher.encrypt(plaintext, _aad(row))
    row.credentials_key_id = cipher.current_key_id


def _open(cipher: CredentialCipher, row: UserWallet) -> dict[str, str]:
    if row.credentials_encrypted is None:
        raise CredentialDecryptError("no credentials stored")
    opened: dict[str, str] = json.loads(cipher.decrypt(row.credentials_encrypted, _aad(row)))
    return opened


def to_out(cipher: CredentialCipher, row: UserWallet) -> UserWalletOut:
    """The API view: masked credentials, or a flag asking the user to enter them again."""
    try:
        masked: dict[str, str] | None = {name: mask(value) for name, value in _open(cipher, row).items()}
    except CredentialDecryptError:
        logger.warning("credentials of wallet connection %s do not decrypt", row.id)
        masked = None
    return UserWalletOut(
        id=row.id,
        wallet=WalletSummary.model_validate(row.wallet),
        masked_credentials=masked,
        credentials_readable=masked is not None,
        balance=row.balance,
        is_active=row.is_active,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _plain(data: UserWalletIn | UserWalletUpdate) -> dict[str, str]:
    return {name: secret.get_secret_value() for name, secret in (data.credentials or {}).items()}


async def connect(
    session: AsyncSession, cipher: CredentialCipher, user_id: uuid.UUID, data: UserWalletIn
) -> UserWallet:
    wallet = await connectable_wallet(session, data.wallet_id)
    row = UserWallet(id=uuid.uuid4(), user_id=user_id, wallet_id=wallet.id, is_active=data.is_active)
    row.wallet = wallet
    _seal(cipher, row, _plain(data))
    session.add(row)
    await session.flush()
    logger.info("user %s connected wallet %s as %s", user_id, wallet.id, row.id)
    return row


async def list_connections(
    session: AsyncSession,
    user_id: uuid.UUID,
    params: PageParams,
    *,
    wallet_id: uuid.UUID | None = None,
    is_active: bool | None = None,
) -> tuple[list[UserWallet], int]:
    return await UserWalletRepository(session).paginate(
        params, owner_id=user_id, filter_by={"wallet_id": wallet_id, "is_active": is_active}
    )


async def get_connection(session: AsyncSession, user_id: uuid.UUID, connection_id: uuid.UUID) -> UserWallet:
    return await UserWalletRepository(session).get_or_404(connection_id, owner_id=user_id)


async def update_connection(
    session: AsyncSession,
    cipher: CredentialCipher,
    user_id: uuid.UUID,
    connection_id: uuid.UUID,
    data: UserWalletUpdate,
) -> UserWallet:
    row = await get_connection(session, user_id, connection_id)
    if data.credentials is not None:
        _seal(cipher, row, _plain(data))
        logger.info("user %s replaced the credentials of wallet connection %s", user_id, row.id)
    if data.is_active is not None:
        row.is_active = data.is_active
    row.updated_at = utcnow()
    await session.flush()
    return row


async def disconnect(session: AsyncSession, user_id: uuid.UUID, connection_id: uuid.UUID) -> None:
    """Soft delete that also wipes the credentials: a deleted connection keeps no usable secret."""
    repo = UserWalletRepository(session)
    row = await repo.get_or_404(connection_id, owner_id=user_id)
    row.credentials_encrypted = None
    row.credentials_key_id = None
    await repo.soft_delete(row)
    logger.info("user %s disconnected wallet connection %s", user_id, row.id)


async def reveal_credentials(
    session: AsyncSession, cipher: CredentialCipher, user_id: uuid.UUID, connection_id: uuid.UUID
) -> dict[str, str]:
    """The plaintext credentials, for server-side exchange calls only; never send them to a client."""
    row = await get_connection(session, user_id, connection_id)
    try:
        return _open(cipher, row)
    except CredentialDecryptError as exc:
        raise CredentialsUnreadable() from exc


async def count_live_connections(session: AsyncSession, user_id: uuid.UUID) -> int:
    """Plan-limit counter for `wallets`: the user's connections that are not deleted."""
    statement = select(func.count()).where(UserWallet.user_id == user_id, UserWallet.is_deleted.is_(False))
    return int((await session.execute(statement)).scalar_one())


@dataclass(frozen=True, slots=True)
class RotationReport:
    rotated: int
    unreadable: list[uuid.UUID]


async def rotate_credentials(
    session: AsyncSession, settings: Settings, batch_size: int = 500
) -> RotationReport:
    """Re-seal every stored credential under the newest key (idempotent).

    Rows already under the newest key are skipped. A row no configured key opens is reported by
    id and left as it is, so the operator can keep the old key until it is dealt with.
    """
    cipher = CredentialCipher.from_settings(settings)
    rotated, unreadable, after = 0, [], uuid.UUID(int=0)
    while True:
        rows = (
            await session.execute(
                select(
                    UserWallet.id, UserWallet.user_id, UserWallet.wallet_id, UserWallet.credentials_encrypted
                )
                .where(
                    UserWallet.credentials_encrypted.is_not(None),
                    UserWallet.credentials_key_id.is_distinct_from(cipher.current_key_id),
                    UserWallet.id > after,
                )
                .order_by(UserWallet.id)
                .limit(batch_size)
            )
        ).all()
        if not rows:
            break
        for row_id, user_id, wallet_id, token in rows:
            if token is None:
                continue
            try:
                sealed = cipher.rotate(token, associated_data(user_id, wallet_id, row_id))
            except CredentialDecryptError:
                unreadable.append(row_id)
                continue
            await session.execute(
                update(UserWallet)
                .where(UserWallet.id == row_id)
                .values(credentials_encrypted=sealed, credentials_key_id=cipher.current_key_id)
                .execution_options(synchronize_session=False)
            )
            rotated += 1
        after = rows[-1][0]
    logger.info("wallet credentials rotated: %d rows, %d unreadable", rotated, len(unreadable))
    return RotationReport(rotated, unreadable)

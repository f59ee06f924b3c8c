"""Connected wallets: owner-scoped CRUD, credentials sealed per row, masked output, key rotation.

Plaintext credentials exist only inside this module's functions: they are sealed before the
row is written and masked right after they are opened. Nothing here logs a credential, and
errors name rows by id only.
"""

from __future__ import annotations

import json
import logging
import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.core.config import Settings
from mosaic.core.crud import Owned
from mosaic.core.database import utcnow
from mosaic.core.errors import AppError
from mosaic.core.pagination import PageParams
from mosaic.core.repository import Repository
from mosaic.core.secretbox import (
    EncryptedColumn,
    RotationReport,
    SecretBox,
    SecretDecryptError,
    rotate_columns,
)
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


def associated_data(user_id: uuid.UUID, wallet_id: uuid.UUID, row_id: uuid.UUID) -> bytes:
    """Binds a sealed credential to its user, wallet and row (a copied token fails to open)."""
    return f"mosaic.user_wallets.v1|{user_id}|{wallet_id}|{row_id}".encode()


def _aad(row: UserWallet) -> bytes:
    return associated_data(row.user_id, row.wallet_id, row.id)


def _seal(cipher: SecretBox, row: UserWallet, credentials: dict[str, str]) -> None:
    plaintext = json.dumps(credentials, sort_keys=True, separators=(",", ":")).encode()
    row.credentials_encrypted = cipher.encrypt(plaintext, _aad(row))
    row.credentials_key_id = cipher.current_key_id


def _open(cipher: SecretBox, row: UserWallet) -> dict[str, str]:
    if row.credentials_encrypted is None:
        raise SecretDecryptError("no credentials stored")
    opened: dict[str, str] = json.loads(cipher.decrypt(row.credentials_encrypted, _aad(row)))
    return opened


def to_out(cipher: SecretBox, row: UserWallet) -> UserWalletOut:
    """The API view: masked credentials, or a flag asking the user to enter them again."""
    try:
        masked: dict[str, str] | None = {name: mask(value) for name, value in _open(cipher, row).items()}
    except SecretDecryptError:
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
    session: AsyncSession, cipher: SecretBox, user_id: uuid.UUID, data: UserWalletIn
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
    return await Owned(UserWalletRepository(session), user_id).list(
        params, filter_by={"wallet_id": wallet_id, "is_active": is_active}
    )


async def get_connection(session: AsyncSession, user_id: uuid.UUID, connection_id: uuid.UUID) -> UserWallet:
    return await Owned(UserWalletRepository(session), user_id).get(connection_id)


async def update_connection(
    session: AsyncSession,
    cipher: SecretBox,
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
    await Owned(UserWalletRepository(session), user_id).delete(connection_id, before=_wipe)


def _wipe(row: UserWallet) -> None:
    row.credentials_encrypted = None
    row.credentials_key_id = None


async def reveal_credentials(
    session: AsyncSession, cipher: SecretBox, user_id: uuid.UUID, connection_id: uuid.UUID
) -> dict[str, str]:
    """The plaintext credentials, for server-side exchange calls only; never send them to a client."""
    row = await get_connection(session, user_id, connection_id)
    try:
        return _open(cipher, row)
    except SecretDecryptError as exc:
        raise CredentialsUnreadable() from exc


async def count_live_connections(session: AsyncSession, user_id: uuid.UUID) -> int:
    """Plan-limit counter for `wallets`: the user's connections that are not deleted."""
    statement = select(func.count()).where(UserWallet.user_id == user_id, UserWallet.is_deleted.is_(False))
    return int((await session.execute(statement)).scalar_one())


# The secret-box column `mosaic rotate-keys` re-seals (declared by the trading Domain).
CREDENTIALS_COLUMN = EncryptedColumn(
    UserWallet,
    token_column="credentials_encrypted",
    key_id_column="credentials_key_id",
    aad_columns=("user_id", "wallet_id", "id"),
    aad=associated_data,
    label="user_wallets.credentials",
)


async def rotate_credentials(
    session: AsyncSession, settings: Settings, batch_size: int = 500
) -> RotationReport:
    """Re-seal every stored wallet credential under the newest key (idempotent; see `rotate_columns`)."""
    return await rotate_columns(session, settings, [CREDENTIALS_COLUMN], batch_size)

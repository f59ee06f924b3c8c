"""Secrets at rest: AES-256-GCM bound to their row, with a key id for rotation (any domain).

Why AES-GCM rather than Fernet: the associated data binds a ciphertext to the row (and the
owner) it was written for, so a ciphertext copied onto another row fails authentication instead
of decrypting. Each token names the key that sealed it (`v1.<key id>.<base64url(nonce ||
ciphertext)>`), so several keys can be live at once: the first configured key encrypts, every
configured key decrypts, and `rotate()` re-seals a token under the first key. Nonces are 12
random bytes per encryption.

Keys come from `SECRET_BOX_KEYS` (comma-separated url-safe base64 32-byte keys, newest first);
`WALLET_ENCRYPTION_KEYS`, the name from when only trading used it, is read as an alias.

A domain declares each encrypted column in `Domain(encrypted_columns=[EncryptedColumn(...)])`;
`mosaic rotate-keys` re-seals every declared column of every known domain with
`rotate_columns()`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Annotated, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import Depends, Request
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.core.config import Settings

logger = logging.getLogger("mosaic.secretbox")

VERSION = "v1"
NONCE_BYTES = 12
# Part of every key id. It predates the move to core (wallet credentials were the first
# user): changing it would orphan every stored token's key id, so it stays.
_KEY_ID_CONTEXT = b"mosaic-wallet-key-id:"


class SecretDecryptError(Exception):
    """The token is malformed, sealed by an unknown key, or not bound to this row."""


def key_id(key: bytes) -> str:
    """A short, non-secret fingerprint of a key (never the key itself)."""
    return hashlib.sha256(_KEY_ID_CONTEXT + key).hexdigest()[:12]


class SecretBox:
    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ValueError("at least one key is required")
        self._keys = {key_id(key): AESGCM(key) for key in reversed(keys)}
        self.current_key_id = key_id(keys[0])

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        return cls(settings.secret_box_keys)

    def encrypt(self, plaintext: bytes, aad: bytes) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._keys[self.current_key_id].encrypt(nonce, plaintext, aad)
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"{VERSION}.{self.current_key_id}.{body}"

    def decrypt(self, token: str, aad: bytes) -> bytes:
        version, kid, body = _split(token)
        aead = self._keys.get(kid)
        if version != VERSION or aead is None:
            raise SecretDecryptError("the secret was sealed with an unknown key")
        try:
            raw = base64.urlsafe_b64decode(body.encode("ascii"))
            return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad)
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise SecretDecryptError("the secret does not authenticate for this row") from exc

    def token_key_id(self, token: str) -> str:
        return _split(token)[1]

    def rotate(self, token: str, aad: bytes) -> str:
        """Re-seal under the current key; a token already under it is returned unchanged."""
        if self.token_key_id(token) == self.current_key_id:
            self.decrypt(token, aad)  # still prove it authenticates
            return token
        return self.encrypt(self.decrypt(token, aad), aad)


def _split(token: str) -> tuple[str, str, str]:
    parts = token.split(".", 2)
    if len(parts) != 3:
        raise SecretDecryptError("malformed secret token")
    return parts[0], parts[1], parts[2]


@dataclass(frozen=True, slots=True)
class EncryptedColumn:
    """A text column holding `SecretBox` tokens, with the key-id column rotation filters on.

    `aad_columns` are read with the token and passed, in order, to `aad(...)`: the associated
    data the row's tokens were sealed with. `model` must have an `id` primary key.
    """

    model: Any
    token_column: str
    key_id_column: str
    aad_columns: Sequence[str]
    aad: Callable[..., bytes]
    label: str = field(default="")

    @property
    def name(self) -> str:
        return self.label or f"{self.model.__tablename__}.{self.token_column}"


@dataclass(slots=True)
class RotationReport:
    rotated: int = 0
    unreadable: list[uuid.UUID] = field(default_factory=list)
    by_column: dict[str, int] = field(default_factory=dict)


async def rotate_column(
    session: AsyncSession,
    box: SecretBox,
    column: EncryptedColumn,
    report: RotationReport | None = None,
    batch_size: int = 500,
) -> RotationReport:
    """Re-seal every token of `column` under the newest key (idempotent, in id-ordered batches).

    Rows already under the newest key are skipped. A row no configured key opens is reported by
    id and left as it is, so the operator can keep the old key until it is dealt with.
    """
    report = report if report is not None else RotationReport()
    model = column.model
    token_attr = getattr(model, column.token_column)
    key_attr = getattr(model, column.key_id_column)
    aad_attrs = [getattr(model, name) for name in column.aad_columns]
    rotated, after = 0, uuid.UUID(int=0)
    while True:
        rows = (
            await session.execute(
                select(model.id, token_attr, *aad_attrs)
                .where(
                    token_attr.is_not(None), key_attr.is_distinct_from(box.current_key_id), model.id > after
                )
                .order_by(model.id)
                .limit(batch_size)
            )
        ).all()
        if not rows:
            break
        for row_id, token, *aad_values in rows:
            try:
                sealed = box.rotate(token, column.aad(*aad_values))
            except SecretDecryptError:
                report.unreadable.append(row_id)
                continue
            await session.execute(
                update(model)
                .where(model.id == row_id)
                .values({column.token_column: sealed, column.key_id_column: box.current_key_id})
                .execution_options(synchronize_session=False)
            )
            rotated += 1
        after = rows[-1][0]
    report.rotated += rotated
    report.by_column[column.name] = report.by_column.get(column.name, 0) + rotated
    logger.info("secrets of %s rotated: %d rows", column.name, rotated)
    return report


async def rotate_columns(
    session: AsyncSession, settings: Settings, columns: Sequence[EncryptedColumn], batch_size: int = 500
) -> RotationReport:
    """Every declared encrypted column moved to the newest key (what `mosaic rotate-keys` runs)."""
    box = SecretBox.from_settings(settings)
    report = RotationReport()
    for column in columns:
        await rotate_column(session, box, column, report, batch_size)
    if report.unreadable:
        logger.warning("%d secret(s) no configured key can decrypt", len(report.unreadable))
    return report


@lru_cache(maxsize=4)
def _box(keys: tuple[bytes, ...]) -> SecretBox:
    return SecretBox(keys)


async def get_secret_box(request: Request) -> SecretBox:
    """The app's secret box, built once per key set (AESGCM setup is not free)."""
    settings: Settings = request.app.state.settings
    return _box(tuple(settings.secret_box_keys))


SecretBoxDep = Annotated[SecretBox, Depends(get_secret_box)]

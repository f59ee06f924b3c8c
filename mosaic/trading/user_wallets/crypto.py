"""Wallet credentials at rest: AES-256-GCM bound to their row, with a key id for rotation.

Why AES-GCM rather than Fernet: the associated data binds a ciphertext to the user, the wallet
and the row it was written for, so a ciphertext copied onto another row (another user's, or
another wallet of the same user) fails authentication instead of decrypting. Each token names
the key that sealed it (`v1.<key id>.<base64url(nonce || ciphertext)>`), so several keys can be
live at once: the first configured key encrypts, every configured key decrypts, and
`rotate()` re-seals a token under the first key. Nonces are 12 random bytes per encryption.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import uuid
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from mosaic.core.config import Settings

VERSION = "v1"
NONCE_BYTES = 12


class CredentialDecryptError(Exception):
    """The token is malformed, sealed by an unknown key, or not bound to this row."""


def key_id(key: bytes) -> str:
    """A short, non-secret fingerprint of a key (never the key itself)."""
    return hashlib.sha256(b"mosaic-wallet-key-id:" + key).hexdigest()[:12]


def associated_data(user_id: uuid.UUID, wallet_id: uuid.UUID, row_id: uuid.UUID) -> bytes:
    return f"mosaic.user_wallets.{VERSION}|{user_id}|{wallet_id}|{row_id}".encode()


class CredentialCipher:
    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ValueError("at least one key is required")
        self._keys = {key_id(key): AESGCM(key) for key in reversed(keys)}
        self.current_key_id = key_id(keys[0])

    @classmethod
    def from_settings(cls, settings: Settings) -> CredentialCipher:
        return cls(settings.wallet_encryption_keys)

    def encrypt(self, plaintext: bytes, aad: bytes) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._keys[self.current_key_id].encrypt(nonce, plaintext, aad)
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"{VERSION}.{self.current_key_id}.{body}"

    def decrypt(self, token: str, aad: bytes) -> bytes:
        version, kid, body = _split(token)
        aead = self._keys.get(kid)
        if version != VERSION or aead is None:
            raise CredentialDecryptError("credentials were sealed with an unknown key")
        try:
            raw = base64.urlsafe_b64decode(body.encode("ascii"))
            return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad)
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise CredentialDecryptError("credentials do not authenticate for this row") from exc

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
        raise CredentialDecryptError("malformed credentials token")
    return parts[0], parts[1], parts[2]

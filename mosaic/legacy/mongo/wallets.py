"""Sealing imported wallet credentials: the one place the import touches the wallet secret box.

Kept to core's `SecretBox` and the user-wallets service's row-binding associated data, so
the import seals exactly as the service opens (same plaintext layout).
"""

from __future__ import annotations

import json
import uuid

from mosaic.core.config import Settings
from mosaic.core.secretbox import SecretBox
from mosaic.trading.user_wallets.service import associated_data


def seal(
    settings: Settings,
    credentials: dict[str, str],
    user_id: uuid.UUID,
    wallet_id: uuid.UUID,
    row_id: uuid.UUID,
) -> str:
    plaintext = json.dumps(credentials, sort_keys=True, separators=(",", ":")).encode()
    return SecretBox.from_settings(settings).encrypt(plaintext, associated_data(user_id, wallet_id, row_id))


def current_key_id(settings: Settings) -> str:
    return SecretBox.from_settings(settings).current_key_id

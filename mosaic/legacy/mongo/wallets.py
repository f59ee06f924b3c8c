"""Sealing imported wallet credentials: the one place the import touches the wallet secret box.

Kept to four names of `mosaic.trading.user_wallets.crypto` (the cipher from settings, the
row-binding associated data, `encrypt`, the current key id) so moving that module changes
only the import line here. The plaintext layout matches what the user-wallets service opens.
"""

from __future__ import annotations

import json
import uuid

from mosaic.core.config import Settings
from mosaic.trading.user_wallets.crypto import CredentialCipher, associated_data


def seal(
    settings: Settings,
    credentials: dict[str, str],
    user_id: uuid.UUID,
    wallet_id: uuid.UUID,
    row_id: uuid.UUID,
) -> str:
    plaintext = json.dumps(credentials, sort_keys=True, separators=(",", ":")).encode()
    return CredentialCipher.from_settings(settings).encrypt(
        plaintext, associated_data(user_id, wallet_id, row_id)
    )


def current_key_id(settings: Settings) -> str:
    return CredentialCipher.from_settings(settings).current_key_id

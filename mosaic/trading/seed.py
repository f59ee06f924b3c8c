"""Default trading catalogue: a few wallets, the offline agent and one public template.

Idempotent by name, and only ever adds: an admin's edits and deletions are not undone.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.core.config import Settings
from mosaic.trading.agents.models import Agent
from mosaic.trading.prompts.models import Prompt
from mosaic.trading.wallets.models import Wallet

logger = logging.getLogger("mosaic.trading")

WALLETS: list[dict[str, Any]] = [
    {"name": "Binance", "type": "CEX", "provider": "binance", "supported_currencies": ["BTC", "ETH", "USDT"]},
    {
        "name": "Coinbase",
        "type": "CEX",
        "provider": "coinbase",
        "supported_currencies": ["BTC", "ETH", "USDC"],
    },
    {"name": "MetaMask", "type": "Wallet", "provider": "metamask", "supported_currencies": ["ETH", "USDT"]},
]
AGENTS: list[dict[str, Any]] = [
    {
        "name": "Offline analyst",
        "provider": "offline",
        "model_id": "offline-v1",
        "capabilities": ["analysis", "trading"],
        "cost_per_call": Decimal("0"),
    }
]
TEMPLATES: list[dict[str, Any]] = [
    {
        "title": "Market summary",
        "description": "A short summary of a symbol's recent price action.",
        "prompt": "Summarise the recent price action of {symbol} and list the key levels to watch.",
        "category": "analysis",
        "is_public": True,
    }
]


async def seed(session: AsyncSession, settings: Settings) -> None:
    ever_seeded = (await session.execute(select(Wallet.id).limit(1))).first() is not None
    if ever_seeded:
        return  # the catalogue is the admins' from the first run on
    session.add_all([Wallet(**w) for w in WALLETS])
    session.add_all([Agent(**a) for a in AGENTS])
    session.add_all([Prompt(**p) for p in TEMPLATES])
    await session.flush()
    logger.info("seeded the trading catalogue")

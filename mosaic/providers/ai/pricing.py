"""What a call costs, from the list prices of each model (USD per million tokens).

Prices are the providers' published list prices for standard (non-batch, non-cached-input)
requests, checked 2025-11: https://openai.com/api/pricing, https://api-docs.deepseek.com/quick_start/pricing,
https://www.anthropic.com/pricing#api. They change; update this table (or pass a `ModelPrice` in
`AIConfig.price` for a private deployment). A model id matches the longest listed prefix, so dated
snapshots (`gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`) price like their family. A model not
listed costs 0 and is logged once, so spend is never silently invented.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from mosaic.providers.ai.types import Usage

logger = logging.getLogger("mosaic.ai")

MILLION = Decimal(1_000_000)
COST_QUANTUM = Decimal("0.00000001")


@dataclass(frozen=True, slots=True)
class ModelPrice:
    input_per_million: Decimal
    output_per_million: Decimal


def _p(input_usd: str, output_usd: str) -> ModelPrice:
    return ModelPrice(Decimal(input_usd), Decimal(output_usd))


PRICES: dict[str, ModelPrice] = {
    # OpenAI
    "gpt-4o": _p("2.50", "10.00"),
    "gpt-4o-mini": _p("0.15", "0.60"),
    "gpt-4.1": _p("2.00", "8.00"),
    "gpt-4.1-mini": _p("0.40", "1.60"),
    "gpt-4.1-nano": _p("0.10", "0.40"),
    "gpt-4-turbo": _p("10.00", "30.00"),
    "gpt-3.5-turbo": _p("0.50", "1.50"),
    "gpt-5": _p("1.25", "10.00"),
    "gpt-5-mini": _p("0.25", "2.00"),
    "gpt-5-nano": _p("0.05", "0.40"),
    "o3-mini": _p("1.10", "4.40"),
    "o4-mini": _p("1.10", "4.40"),
    # DeepSeek (V3.2 prices; cache-miss input)
    "deepseek-chat": _p("0.28", "0.42"),
    "deepseek-reasoner": _p("0.28", "0.42"),
    # Anthropic
    "claude-opus-4-5": _p("5.00", "25.00"),
    "claude-opus-4": _p("15.00", "75.00"),
    "claude-sonnet-4": _p("3.00", "15.00"),
    "claude-haiku-4-5": _p("1.00", "5.00"),
    "claude-3-7-sonnet": _p("3.00", "15.00"),
    "claude-3-5-sonnet": _p("3.00", "15.00"),
    "claude-3-5-haiku": _p("0.80", "4.00"),
    "claude-3-haiku": _p("0.25", "1.25"),
}

_unpriced_logged: set[str] = set()


def price_for(model: str, table: dict[str, ModelPrice] | None = None) -> ModelPrice | None:
    """The entry of the longest table key that `model` starts with, or None."""
    prices = PRICES if table is None else table
    best: str | None = None
    for key in prices:
        matches = model == key or model.startswith((key + "-", key + ":"))
        if matches and (best is None or len(key) > len(best)):
            best = key
    return prices[best] if best is not None else None


def cost_of(model: str, usage: Usage, price: ModelPrice | None = None) -> Decimal:
    """USD for `usage` on `model`, to 8 decimals (the precision of trading amounts)."""
    price = price or price_for(model)
    if price is None:
        if model not in _unpriced_logged:
            _unpriced_logged.add(model)
            logger.info("ai model %s has no price in the table; its calls are recorded at cost 0", model)
        return Decimal(0).quantize(COST_QUANTUM)
    cost = (
        Decimal(usage.prompt_tokens) * price.input_per_million
        + Decimal(usage.completion_tokens) * price.output_per_million
    ) / MILLION
    return cost.quantize(COST_QUANTUM)

"""Fixtures for the AI provider tests: settings with planted keys, and a back-off that never sleeps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import SecretStr

from mosaic.core.config import Settings
from mosaic.providers.ai import AIClient, AIConfig, InMemoryTTLCache, build_ai_client

OPENAI_KEY = "sk-proj-PLANTED-openai-0123456789abcdef"
ANTHROPIC_KEY = "sk-ant-api03-PLANTED-anthropic-0123456789abcdef"
DEEPSEEK_KEY = "sk-PLANTED-deepseek-0123456789abcdef"

PASSAGE = (
    "Photosynthesis is the process by which green plants convert light energy into chemical energy. "
    "It takes place mainly in the chloroplasts of leaf cells. "
    "Chlorophyll, the green pigment in chloroplasts, absorbs red and blue light. "
    "During the light-dependent reactions, water molecules are split and oxygen is released as a by-product. "
    "The Calvin cycle then uses carbon dioxide and the energy stored in ATP to build glucose. "
    "Jan Ingenhousz showed in 1779 that light is essential for plants to produce oxygen. "
    "Today, photosynthesis supplies most of the oxygen in the atmosphere and the energy for nearly all "
    "life on Earth."
)

OTHER_PASSAGE = (
    "The Roman Empire was founded in 27 BC when Augustus became the first emperor. "
    "At its height the empire stretched from Britain to Mesopotamia. "
    "Roman engineers built aqueducts, roads and bridges that still stand today. "
    "Latin, the language of Rome, shaped the Romance languages such as Italian and Spanish. "
    "The Western Roman Empire fell in 476 when Odoacer deposed Romulus Augustulus."
)


@pytest.fixture
def settings() -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        OPENAI_API_KEY=SecretStr(OPENAI_KEY),
        ANTHROPIC_API_KEY=SecretStr(ANTHROPIC_KEY),
        DEEPSEEK_API_KEY=SecretStr(DEEPSEEK_KEY),
    )


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_client(settings: Settings, sleeps: list[float]) -> Callable[..., AIClient]:
    """A client for `provider` with its own cache and a recording, non-sleeping back-off."""

    def make(provider: str = "openai", **overrides: Any) -> AIClient:
        config = AIConfig.from_settings(settings, provider=provider)
        if overrides:
            import dataclasses

            config = dataclasses.replace(config, **overrides)

        async def fake_sleep(seconds: float) -> None:
            sleeps.append(seconds)

        return build_ai_client(config, cache=InMemoryTTLCache(), sleep=fake_sleep)

    return make

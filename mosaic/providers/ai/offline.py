"""The embedded default provider: deterministic, no network, and useful.

It reads the prompt as the source text (instructions belong in `system`; a passage wrapped in
``` fences, <text>...</text> tags, triple quotes or after a "Text:" line is picked out of a longer
prompt) and answers from that text: an extractive summary by default, key terms when asked for
keywords, cloze questions when asked for a quiz, and, with `json_schema`, JSON built to validate
against it (see `schema_fill`). Tokens are estimated at four characters each; it costs nothing.
"""

from __future__ import annotations

import asyncio
import math
import re
from decimal import Decimal
from typing import Any

import orjson

from mosaic.providers.ai.config import OFFLINE_MODEL
from mosaic.providers.ai.schema_fill import SchemaFiller, requested_count
from mosaic.providers.ai.text import Analysis, analyse, quiz_from_analysis, truncate
from mosaic.providers.ai.types import Completion, Usage

_FENCED = re.compile(r"```[\w-]*\n(.*?)```", re.S)
_TAGGED = re.compile(r"<(text|passage|document|content|source|article|notes?)>(.*?)</\1>", re.S | re.I)
_QUOTED = re.compile(r'"""(.*?)"""', re.S)
_LABELLED = re.compile(
    r"^\s*(?:text|passage|content|document|source|article|notes?|input)\s*:\s*(.*)", re.I | re.M | re.S
)


# Longer input is read up to here: enough for any quiz or summary, and a bound on CPU time.
MAX_SOURCE_CHARS = 200_000


def source_text(prompt: str) -> tuple[str, str]:
    """(passage, instructions) of a prompt: the delimited passage if there is one, else all of it."""
    for pattern, group in ((_FENCED, 1), (_TAGGED, 2), (_QUOTED, 1), (_LABELLED, 1)):
        match = pattern.search(prompt)
        if match and match.group(group).strip():
            return match.group(group).strip(), prompt[: match.start()] + prompt[match.end() :]
    return prompt.strip(), ""


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / 4) if text else 0


class OfflineProvider:
    name = "offline"

    async def complete(
        self,
        prompt: str,
        *,
        model: str = OFFLINE_MODEL,
        system: str | None = None,
        json_schema: dict[str, Any] | None = None,
        max_tokens: int = 1024,
        temperature: float = 0.0,
        timeout: float = 30.0,  # noqa: ASYNC109 - the per-call deadline is part of the protocol
    ) -> Completion:
        # CPU-bound on long texts (~0.3 s for 150 KB): off the event loop.
        text = await asyncio.to_thread(self._answer, prompt, system, json_schema, max_tokens)
        usage = Usage(estimate_tokens((system or "") + prompt), estimate_tokens(text))
        return Completion(
            text=text,
            usage=usage,
            cost_usd=Decimal(0).quantize(Decimal("0.00000001")),
            provider=self.name,
            model=model,
            finish_reason="stop",
        )

    def _answer(
        self, prompt: str, system: str | None, json_schema: dict[str, Any] | None, max_tokens: int
    ) -> str:
        passage, inline_instructions = source_text(prompt)
        instructions = f"{system or ''}\n{inline_instructions}"
        analysis = analyse(passage[:MAX_SOURCE_CHARS])
        if json_schema is not None:
            value = SchemaFiller(analysis, json_schema, requested_count(instructions)).build()
            return orjson.dumps(value).decode()
        return truncate(self._plain(analysis, instructions), max(1, max_tokens) * 4)

    @staticmethod
    def _plain(analysis: Analysis, instructions: str) -> str:
        lowered = instructions.lower()
        count = requested_count(instructions)
        if re.search(r"\b(quiz|questions?)\b", lowered):
            lines = []
            for number, q in enumerate(quiz_from_analysis(analysis, count or 5), start=1):
                options = "  ".join(f"{chr(65 + i)}) {o}" for i, o in enumerate(q.options))
                lines.append(f"{number}. {q.question}\n   {options}\n   Answer: {chr(65 + q.answer_index)}")
            return "\n".join(lines) or analysis.summary()
        if re.search(r"\b(keywords?|key terms?|tags?|key phrases?)\b", lowered):
            return ", ".join(analysis.keywords(count or 10))
        if re.search(r"\b(title|headline)\b", lowered):
            return analysis.title()
        return analysis.summary(count)

"""Build a JSON value valid against a JSON schema out of a passage: the offline structured mode.

Property names choose the content (`summary` gets the extractive summary, `keywords` the key
terms, `title` a title, `sentiment`/`action` enums follow the text's polarity), and an array of
objects with a `question` and `options` becomes real cloze questions from the text. Types, enums,
lengths, item counts and numeric bounds of the schema are honoured so the result validates.
"""

from __future__ import annotations

import re
from typing import Any

from mosaic.providers.ai.text import Analysis, ClozeQuestion, quiz_from_analysis, truncate

_QUESTION_FIELDS = ("question", "prompt", "stem", "text")
_OPTION_FIELDS = ("options", "choices", "answers", "alternatives")
_INDEX_FIELDS = ("answer_index", "correct_index", "correct_option", "correct_option_index", "answer")
_ANSWER_TEXT_FIELDS = ("correct_answer", "answer", "answer_text", "solution")
_EXPLANATION_FIELDS = ("explanation", "rationale", "reason", "source", "evidence")

_SENTENCE_LIST_NAMES = ("point", "highlight", "fact", "bullet", "sentence", "takeaway", "finding", "insight")
_KEYWORD_LIST_NAMES = ("keyword", "tag", "term", "topic", "concept", "entit", "subject", "label")
_SUMMARY_NAMES = (
    "summary",
    "abstract",
    "overview",
    "synopsis",
    "description",
    "analysis",
    "reasoning",
    "rationale",
    "explanation",
    "content",
    "text",
    "body",
    "answer",
    "result",
    "output",
    "response",
)
_TITLE_NAMES = ("title", "headline", "name", "heading", "topic", "subject")
_POLAR_VALUES = {
    1: ("buy", "long", "positive", "bullish", "up", "increase", "strong_buy", "good"),
    -1: ("sell", "short", "negative", "bearish", "down", "decrease", "strong_sell", "bad"),
    0: ("hold", "neutral", "flat", "mixed", "wait", "none"),
}
_COUNT_IN_PROMPT = re.compile(
    r"\b(\d{1,2})\s+(?:[\w-]+\s+){0,3}?(?:questions|items|keywords|points|tags|entries|steps)\b", re.I
)


def requested_count(instructions: str) -> int | None:
    """ "Write 5 multiple-choice questions" -> 5: the count a caller asked for, if it said."""
    match = _COUNT_IN_PROMPT.search(instructions)
    return int(match.group(1)) if match else None


class SchemaFiller:
    def __init__(self, analysis: Analysis, root_schema: dict[str, Any], count_hint: int | None) -> None:
        self.analysis = analysis
        self.root = root_schema
        self.count_hint = count_hint
        self._quiz: list[ClozeQuestion] | None = None
        self._option_count = 4

    def build(self) -> Any:
        return self.value(self.root, name="", index=0)

    # Schema plumbing -------------------------------------------------------------------------

    def resolve(self, schema: Any) -> dict[str, Any]:
        if not isinstance(schema, dict):
            return {}
        seen = 0
        while "$ref" in schema and seen < 32:
            seen += 1
            ref = schema["$ref"]
            target: Any = self.root
            if not isinstance(ref, str) or not ref.startswith("#"):
                return {}
            for raw_part in [p for p in ref[1:].split("/") if p]:
                part = raw_part.replace("~1", "/").replace("~0", "~")
                target = target.get(part, {}) if isinstance(target, dict) else {}
            schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        if "allOf" in schema:
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for sub_schema in schema["allOf"]:
                for key, value in self.resolve(sub_schema).items():
                    if key in ("properties",) and isinstance(merged.get(key), dict):
                        merged[key] = {**merged[key], **value}
                    elif key == "required":
                        merged[key] = sorted({*merged.get(key, []), *value})
                    else:
                        merged.setdefault(key, value)
            schema = merged
        for combinator in ("anyOf", "oneOf"):
            if combinator in schema and isinstance(schema[combinator], list):
                options = [self.resolve(o) for o in schema[combinator]]
                usable = [o for o in options if o.get("type") != "null"] or options
                rest = {k: v for k, v in schema.items() if k != combinator}
                schema = {**rest, **(usable[0] if usable else {})}
        resolved: dict[str, Any] = schema
        return resolved

    def type_of(self, schema: dict[str, Any]) -> str:
        declared = schema.get("type")
        if isinstance(declared, list):
            non_null = [t for t in declared if t != "null"]
            declared = non_null[0] if non_null else "null"
        if isinstance(declared, str):
            return declared
        if "properties" in schema:
            return "object"
        if "items" in schema:
            return "array"
        return "string"

    # Values ----------------------------------------------------------------------------------

    def value(self, schema: Any, *, name: str, index: int) -> Any:
        schema = self.resolve(schema)
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return self.enum(schema["enum"], name)
        kind = self.type_of(schema)
        if kind == "object":
            return self.object(schema, name=name, index=index)
        if kind == "array":
            return self.array(schema, name=name)
        if kind in ("integer", "number"):
            return self.number(schema, name=name, index=index, integer=kind == "integer")
        if kind == "boolean":
            return False
        if kind == "null":
            return None
        return self.string(schema, name=name, index=index)

    def enum(self, values: list[Any], name: str) -> Any:
        lowered = {str(v).lower(): v for v in values}
        polarity = (self.analysis.sentiment > 0) - (self.analysis.sentiment < 0)
        for candidate in _POLAR_VALUES[polarity]:
            if candidate in lowered:
                return lowered[candidate]
        return values[0]

    def object(self, schema: dict[str, Any], *, name: str, index: int) -> dict[str, Any]:
        properties = schema.get("properties")
        if not isinstance(properties, dict) or not properties:
            if schema.get("additionalProperties") is False:
                return {}
            return {"summary": self.analysis.summary(), "keywords": self.analysis.keywords(8)}
        if self.is_question(properties):
            return self.question_object(properties, index)
        return {key: self.value(sub, name=key, index=index) for key, sub in properties.items()}

    def is_question(self, properties: dict[str, Any]) -> bool:
        has_question = any(f in properties for f in _QUESTION_FIELDS if f != "text")
        return has_question and any(f in properties for f in _OPTION_FIELDS)

    def array(self, schema: dict[str, Any], *, name: str) -> list[Any]:
        items = self.resolve(schema.get("items", {}))
        low = int(schema.get("minItems", 0))
        high = int(schema.get("maxItems", 10**6))
        lowered = name.lower()
        item_kind = self.type_of(items) if items else "string"
        if item_kind == "object" and self.is_question(items.get("properties") or {}):
            wanted = _clamp(self.count_hint or 5, max(low, 1), high)
            questions = self.questions(wanted, self.option_count(items["properties"]))
            count = _clamp(len(questions), low, high)
            return [self.question_object(items["properties"], i) for i in range(count)]
        if item_kind == "string" and not items.get("enum"):
            pool = self.string_pool(lowered)
            default = self.count_hint or (5 if any(k in lowered for k in _KEYWORD_LIST_NAMES) else 3)
            count = _clamp(min(default, len(pool)) if pool else low, low, high)
            values = [
                self.fit_string(items, pool[i] if i < len(pool) else f"{lowered or 'item'} {i + 1}")
                for i in range(count)
            ]
            return _unique(values) if schema.get("uniqueItems") else values
        count = _clamp(self.count_hint or 3, max(low, 1), high) if high > 0 else 0
        values = [self.value(items, name=name, index=i) for i in range(count)]
        if schema.get("uniqueItems"):
            values = _unique(values)
        return values

    def string_pool(self, lowered: str) -> list[str]:
        if "question" in lowered:
            return [q.question for q in self.questions(self.count_hint or 5)]
        if any(k in lowered for k in _SENTENCE_LIST_NAMES):
            return self.analysis.summary_sentences(max(3, self.count_hint or 3)) or self.analysis.sentences
        if any(k in lowered for k in _KEYWORD_LIST_NAMES):
            return self.analysis.keywords(50)
        if any(k in lowered for k in ("step", "task", "action", "recommendation", "plan", "goal")):
            return [f"Review {k}" for k in self.analysis.keywords(50)]
        return self.analysis.keywords(50) or self.analysis.sentences

    def number(self, schema: dict[str, Any], *, name: str, index: int, integer: bool) -> float | int:
        lowered = name.lower()
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum", schema.get("exclusiveMaximum"))
        if any(k in lowered for k in ("confidence", "probability", "certainty")):
            base: float = 0.5 if high is None or high <= 1 else (float(high) + float(low or 0)) / 2
        elif any(k in lowered for k in ("count", "total", "number", "num_")):
            base = len(self.analysis.sentences)
        elif any(k in lowered for k in ("score", "rating")):
            base = 0.5 if high is not None and high <= 1 else (float(high or 10) + float(low or 0)) / 2
        elif "index" in lowered or "order" in lowered or "position" in lowered:
            base = index
        else:
            base = float(low) if low is not None else 0.0
        if "exclusiveMinimum" in schema and base <= schema["exclusiveMinimum"]:
            base = schema["exclusiveMinimum"] + (1 if integer else 0.5)
        if "minimum" in schema:
            base = max(base, schema["minimum"])
        if "exclusiveMaximum" in schema and base >= schema["exclusiveMaximum"]:
            base = schema["exclusiveMaximum"] - (1 if integer else 0.5)
        if "maximum" in schema:
            base = min(base, schema["maximum"])
        return round(base) if integer else float(base)

    def string(self, schema: dict[str, Any], *, name: str, index: int) -> str:
        fmt = schema.get("format")
        if fmt == "date-time":
            return "1970-01-01T00:00:00Z"
        if fmt == "date":
            return "1970-01-01"
        if fmt == "email":
            return "offline@example.com"
        if fmt in ("uri", "url"):
            return "https://example.com/"
        lowered = name.lower()
        analysis = self.analysis
        if any(k in lowered for k in ("sentiment", "tone", "mood")):
            polarity = (analysis.sentiment > 0) - (analysis.sentiment < 0)
            text = {1: "positive", -1: "negative", 0: "neutral"}[polarity]
        elif lowered in ("language", "lang", "locale"):
            text = "en"
        elif lowered in ("id", "slug", "key"):
            text = re.sub(r"[^a-z0-9]+", "-", analysis.title().lower()).strip("-") or "item"
        elif any(k in lowered for k in _KEYWORD_LIST_NAMES) or lowered in _TITLE_NAMES:
            keywords = analysis.keywords(50)
            text = keywords[index % len(keywords)] if keywords and index else analysis.title()
        elif any(k in lowered for k in _SUMMARY_NAMES):
            ranked = analysis.ranked_sentences()
            text = analysis.summary() if index == 0 or not ranked else ranked[index % len(ranked)]
        else:
            ranked = analysis.ranked_sentences()
            text = ranked[index % len(ranked)] if ranked else analysis.text.strip()
        return self.fit_string(schema, text)

    def fit_string(self, schema: dict[str, Any], text: str) -> str:
        high = schema.get("maxLength")
        low = int(schema.get("minLength", 0))
        if isinstance(high, int):
            text = truncate(text, high)
        if len(text) < low:
            filler = self.analysis.summary() or "offline"
            while len(text) < low:
                text = f"{text} {filler}".strip()
            if isinstance(high, int):
                text = text[:high]
        return text

    # Questions -------------------------------------------------------------------------------

    def questions(self, count: int, option_count: int = 4) -> list[ClozeQuestion]:
        if self._quiz is None or len(self._quiz) < count or self._option_count != option_count:
            self._quiz = quiz_from_analysis(self.analysis, count, option_count)
            self._option_count = option_count
        return self._quiz[:count]

    def option_count(self, properties: dict[str, Any]) -> int:
        """Four options unless the schema's option list says otherwise."""
        schema = next((self.resolve(properties[f]) for f in _OPTION_FIELDS if f in properties), {})
        return _clamp(4, max(2, int(schema.get("minItems", 2))), int(schema.get("maxItems", 6)))

    def question_object(self, properties: dict[str, Any], index: int) -> dict[str, Any]:
        questions = self.questions(max(index + 1, self.count_hint or 5), self.option_count(properties))
        if index >= len(questions):
            return {key: self.value(sub, name=key, index=index) for key, sub in properties.items()}
        question = questions[index]
        options = list(question.options)
        answer_index = question.answer_index
        result: dict[str, Any] = {}
        for key, sub in properties.items():
            resolved = self.resolve(sub)
            kind = self.type_of(resolved)
            if key in _QUESTION_FIELDS and kind == "string":
                result[key] = self.fit_string(resolved, question.question)
            elif key in _OPTION_FIELDS and kind == "array":
                result[key] = options
            elif key in _INDEX_FIELDS and kind in ("integer", "number"):
                result[key] = answer_index
            elif key in _ANSWER_TEXT_FIELDS and kind == "string":
                result[key] = question.answer
            elif key in _EXPLANATION_FIELDS and kind == "string":
                result[key] = self.fit_string(resolved, question.explanation)
            else:
                result[key] = self.value(resolved, name=key, index=index)
        return result


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(value, high))


def _unique(values: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen

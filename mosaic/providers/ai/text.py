"""Deterministic text analysis behind the offline provider: sentences, keywords, summary, quiz.

Plain frequency statistics over one passage, no model and no network, so features that need an AI
(quiz from text, flow steps, study plans) do something real with no key. Every function is pure:
the same text gives the same output in every process.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections import Counter
from dataclasses import dataclass, field

BLANK = "_____"
QUESTION_PREFIX = "Fill in the blank: "


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS = _word_set(
    """
    a about above after again against all almost also although always am among an and another any
    are aren't around as at be became because become becomes been before being below between both
    but by can cannot could couldn't did didn't do does doesn't doing don't done down during each
    either else enough especially even ever every few first for from further get gets got had
    hadn't has hasn't have haven't having he her here hers herself him himself his how however i
    if in into is isn't it it's its itself just last least less like made make makes many may me
    might more most much must my myself near nearly neither never next no nor not now of off
    often on once one only onto or other others otherwise our ours ourselves out over own per
    perhaps quite rather really same several shall she should shouldn't since so some something
    sometimes still such than that that's the their theirs them themselves then there there's
    therefore these they this those though through thus to together too toward towards two under
    until up upon us used uses using usually very via was wasn't we well were weren't what when
    where whether which while who whom whose why will with within without would wouldn't yet you
    your yours yourself yourselves called known include includes including new based
    """
)

_POSITIVE = _word_set(
    "gain gains gained rise rises rising rose growth grow grows grew profit profits profitable strong "
    "stronger bullish up increase increased increases surge surged rally rallied beat beats record "
    "high higher upgrade upgraded outperform positive improve improved improving recovery boom "
    "success successful optimistic buy"
)
_NEGATIVE = _word_set(
    "loss losses lost fall falls falling fell decline declined declines drop dropped drops weak "
    "weaker bearish down decrease decreased decreases miss missed risk risks crash crashed plunge "
    "plunged slump slumped low lower downgrade downgraded underperform negative worse worsening "
    "recession fear fears fraud lawsuit bankrupt bankruptcy pessimistic sell selloff"
)

_ABBREVIATIONS = _word_set(
    "e.g i.e etc mr mrs ms dr prof sr jr st vs inc ltd co corp fig no approx dept est u.s u.k"
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*[A-Za-z]|[A-Za-z]|\d+(?:[.,]\d+)*%?")
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9])")
_BLOCK_BREAK = re.compile(r"\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)")
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)*%?$")


def split_sentences(text: str) -> list[str]:
    """Sentences in order, whitespace-normalised; paragraphs and list items never merge."""
    sentences: list[str] = []
    for block in _BLOCK_BREAK.split(text):
        block = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", block.strip())
        block = re.sub(r"\s+", " ", block)
        if not block:
            continue
        pieces = _BOUNDARY.split(block)
        merged: list[str] = []
        for piece in pieces:
            if merged and _ends_with_abbreviation(merged[-1]):
                merged[-1] = f"{merged[-1]} {piece}"
            else:
                merged.append(piece)
        sentences.extend(s.strip() for s in merged if s.strip())
    return sentences


def _ends_with_abbreviation(sentence: str) -> bool:
    last = sentence.rsplit(" ", 1)[-1].rstrip(".").lower()
    return last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha())


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def _key(word: str) -> str:
    """Grouping key: lower case, a plain plural folded into its singular."""
    lowered = word.lower().replace("\u2019", "'")
    if len(lowered) > 4 and lowered.endswith("s") and not lowered.endswith(("ss", "us", "is")):
        return lowered[:-1]
    return lowered


def _is_content(word: str) -> bool:
    lowered = word.lower()
    return len(lowered) > 2 and lowered not in STOPWORDS and not _NUMBER.match(word)


@dataclass(frozen=True, slots=True)
class Term:
    """A candidate keyword or cloze answer: a word, a proper-noun phrase or a number."""

    text: str
    kind: str  # "phrase" | "proper" | "word" | "number"
    score: float
    first_position: int


@dataclass
class Analysis:
    """Everything the offline provider derives from one passage, computed once."""

    text: str
    sentences: list[str]
    terms: list[Term]
    sentence_scores: list[float]
    sentiment: int
    _by_key: dict[str, Term] = field(default_factory=dict)

    def keywords(self, limit: int = 10) -> list[str]:
        return [t.text for t in self.terms if t.kind != "number"][:limit]

    def summary_sentences(self, limit: int | None = None) -> list[str]:
        count = len(self.sentences)
        if count <= 1:
            return list(self.sentences)
        wanted = limit if limit is not None else max(1, min(5, round(count * 0.3)))
        wanted = max(1, min(wanted, count - 1))
        chosen: list[int] = []
        for i in sorted(range(count), key=lambda i: (-self.sentence_scores[i], i)):
            if len(chosen) < wanted and self.sentences[i] not in (self.sentences[j] for j in chosen):
                chosen.append(i)
        return [self.sentences[i] for i in sorted(chosen)]

    def summary(self, limit: int | None = None) -> str:
        return " ".join(self.summary_sentences(limit))

    def ranked_sentences(self) -> list[str]:
        order = sorted(range(len(self.sentences)), key=lambda i: (-self.sentence_scores[i], i))
        return [self.sentences[i] for i in order]

    def title(self) -> str:
        top = self.keywords(3)
        if not top:
            return "Untitled"
        return " ".join(w if w[:1].isupper() else w.capitalize() for w in top[0].split())


def analyse(text: str) -> Analysis:
    sentences = split_sentences(text)
    terms = _terms(sentences)
    weights = {_key(t.text): t.score for t in terms if t.kind in ("word", "proper")}
    top = max(weights.values(), default=1.0)
    scores: list[float] = []
    for index, sentence in enumerate(sentences):
        content = [_key(w) for w in words(sentence) if _is_content(w)]
        if not content:
            scores.append(0.0)
            continue
        raw = sum(weights.get(k, 0.0) / top for k in content) / math.sqrt(len(content))
        length_factor = 0.6 if len(content) < 4 else 1.0
        lead = 1.0 + 0.15 / (index + 1)
        scores.append(raw * length_factor * lead)
    polarity = 0
    for w in words(text):
        lowered = w.lower()
        polarity += (lowered in _POSITIVE) - (lowered in _NEGATIVE)
    return Analysis(text=text, sentences=sentences, terms=terms, sentence_scores=scores, sentiment=polarity)


def _terms(sentences: list[str]) -> list[Term]:
    word_count: Counter[str] = Counter()
    sentence_count: Counter[str] = Counter()
    capitalised: Counter[str] = Counter()
    surface: dict[str, Counter[str]] = {}
    first_seen: dict[str, int] = {}
    phrases: Counter[str] = Counter()
    numbers: Counter[str] = Counter()
    position = 0
    for sentence in sentences:
        tokens = words(sentence)
        seen_here: set[str] = set()
        for i, token in enumerate(tokens):
            position += 1
            if _NUMBER.match(token):
                numbers[token] += 1
                first_seen.setdefault("#" + token, position)
                continue
            if not _is_content(token):
                continue
            key = _key(token)
            word_count[key] += 1
            seen_here.add(key)
            surface.setdefault(key, Counter())[token] += 1
            first_seen.setdefault(key, position)
            if i > 0 and token[:1].isupper():
                capitalised[key] += 1
        sentence_count.update(seen_here)
        for phrase in _proper_phrases(tokens):
            phrases[phrase] += 1
            first_seen.setdefault("~" + phrase, position)

    terms: list[Term] = []
    in_phrases = {_key(w) for p in phrases for w in p.split()}
    for key, count in word_count.items():
        forms = surface[key]
        text = max(forms.items(), key=lambda kv: (kv[1], kv[0].islower(), kv[0]))[0]
        proper = capitalised[key] * 2 >= count and text[:1].isupper()
        score = sentence_count[key] + 0.5 * (count - sentence_count[key])
        score += 0.5 if proper else 0.0
        score += 0.25 if len(key) >= 7 else 0.0
        if key in in_phrases and proper:
            continue
        terms.append(Term(text, "proper" if proper else "word", score, first_seen[key]))
    for phrase, count in phrases.items():
        terms.append(Term(phrase, "phrase", 1.5 * count + 1.0, first_seen["~" + phrase]))
    for number, count in numbers.items():
        terms.append(Term(number, "number", 0.8 * count + 0.5, first_seen["#" + number]))
    terms.sort(key=lambda t: (-t.score, t.first_position, t.text))
    return terms


def _proper_phrases(tokens: list[str]) -> list[str]:
    """Runs of two or more capitalised words, minus leading stopwords ("The Eiffel Tower")."""
    found: list[str] = []
    run: list[str] = []
    for token in [*tokens, ""]:
        if token[:1].isupper() and not _NUMBER.match(token):
            run.append(token)
            continue
        while run and run[0].lower() in STOPWORDS:
            run.pop(0)
        if len(run) >= 2:
            found.append(" ".join(run))
        run = []
    return found


@dataclass(frozen=True, slots=True)
class ClozeQuestion:
    question: str
    options: list[str]
    answer_index: int
    explanation: str
    sentence: str

    @property
    def answer(self) -> str:
        return self.options[self.answer_index]


_KIND_WEIGHT = {"phrase": 3.0, "number": 2.5, "proper": 2.0, "word": 1.0}
_FILLERS = ("None of the above", "All of the above", "Not stated in the text", "Cannot be determined")


def generate_quiz(text: str, count: int = 5, option_count: int = 4) -> list[ClozeQuestion]:
    """Multiple-choice cloze questions: a sentence of the text with one key term blanked.

    The answer is the blanked term, so it is right by construction; distractors are other terms
    of the same kind (names for names, numbers for numbers) from elsewhere in the text, so they
    are plausible but never the word the sentence used.
    """
    return quiz_from_analysis(analyse(text), count, option_count)


def quiz_from_analysis(analysis: Analysis, count: int, option_count: int = 4) -> list[ClozeQuestion]:
    option_count = max(2, option_count)
    ranked = [s for s in analysis.ranked_sentences() if 5 <= len(words(s)) <= 80]
    questions: list[ClozeQuestion] = []
    used_answers: set[str] = set()
    used_pairs: set[tuple[str, str]] = set()
    for allow_reuse in (False, True):
        for sentence in ranked:
            if len(questions) >= count:
                return questions
            if not allow_reuse and any(q.sentence == sentence for q in questions):
                continue
            term = _pick_answer(analysis, sentence, used_answers, used_pairs)
            if term is None:
                continue
            question = _cloze(analysis, sentence, term, option_count)
            if question is None:
                continue
            used_answers.add(term.text.lower())
            used_pairs.add((sentence, term.text.lower()))
            questions.append(question)
    return questions


def _occurrences(sentence: str, term: str) -> list[re.Match[str]]:
    return list(re.finditer(rf"(?<![\w-]){re.escape(term)}(?![\w-])", sentence))


def _pick_answer(
    analysis: Analysis, sentence: str, used: set[str], used_pairs: set[tuple[str, str]]
) -> Term | None:
    best: tuple[float, int, Term] | None = None
    lowered = sentence.lower()
    for term in analysis.terms:
        if term.text.lower() not in lowered:  # cheap pre-check before the regular expressions
            continue
        if term.text.lower() in used or (sentence, term.text.lower()) in used_pairs:
            continue
        if not _occurrences(sentence, term.text):
            continue
        # Blanking must hide every form of the term, or the sentence gives the answer away.
        if len(re.findall(rf"(?i)(?<![\w-]){re.escape(term.text)}(?![\w-])", sentence)) != len(
            _occurrences(sentence, term.text)
        ):
            continue
        weight = term.score * _KIND_WEIGHT[term.kind]
        candidate = (weight, -term.first_position, term)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    return best[2] if best else None


def _cloze(analysis: Analysis, sentence: str, term: Term, option_count: int) -> ClozeQuestion | None:
    blanked = re.sub(rf"(?<![\w-]){re.escape(term.text)}(?![\w-])", BLANK, sentence)
    if blanked == sentence:
        return None
    distractors = _distractors(analysis, sentence, term, option_count - 1)
    options = [term.text, *distractors]
    seed = int(hashlib.sha256(f"{sentence}\x00{term.text}".encode()).hexdigest()[:16], 16)
    random.Random(seed).shuffle(options)  # noqa: S311 - a deterministic shuffle, not security
    return ClozeQuestion(
        question=QUESTION_PREFIX + blanked,
        options=options,
        answer_index=options.index(term.text),
        explanation=f'The passage says: "{sentence}"',
        sentence=sentence,
    )


def _distractors(analysis: Analysis, sentence: str, answer: Term, wanted: int) -> list[str]:
    chosen: list[str] = []
    taken = {answer.text.lower()}

    sentence_lowered = sentence.lower()

    def accept(candidate: str) -> None:
        lowered = candidate.lower()
        if len(chosen) >= wanted or lowered in taken:
            return
        if lowered in answer.text.lower() or answer.text.lower() in lowered:
            return
        if lowered in sentence_lowered and re.search(
            rf"(?i)(?<![\w-]){re.escape(candidate)}(?![\w-])", sentence
        ):
            return
        taken.add(lowered)
        chosen.append(candidate)

    same_family = {"phrase": ("phrase", "proper"), "proper": ("proper", "phrase")}.get(
        answer.kind, (answer.kind,)
    )
    for term in analysis.terms:
        if term.kind in same_family:
            accept(term.text)
    if answer.kind == "number":
        for variant in _number_variants(answer.text):
            accept(variant)
    for term in analysis.terms:
        if term.kind != "number":
            accept(term.text)
    for filler in _FILLERS:
        accept(filler)
    return chosen


def _number_variants(number: str) -> list[str]:
    """Nearby values of the same shape (1889 -> 1879, 1899, ...) when the text has too few numbers."""
    digits = number.rstrip("%")
    suffix = "%" if number.endswith("%") else ""
    if not digits.isdigit():
        return []
    value = int(digits)
    step = 10 if 1000 <= value <= 2100 else max(1, value // 4)
    variants = []
    for delta in (-1, 1, -2, 2, 3, -3):
        candidate = value + delta * step
        if candidate > 0:
            variants.append(f"{candidate}{suffix}")
    return variants


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a sentence or word boundary when one is near."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    for boundary in (". ", " "):
        index = cut.rfind(boundary)
        if index >= limit // 2:
            return cut[: index + (1 if boundary == ". " else 0)].rstrip()
    return cut

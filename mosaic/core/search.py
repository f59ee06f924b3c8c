"""Full-text search on both backends: SQLite FTS5 and PostgreSQL `tsvector`, behind one `SearchIndex`.

A module enables search in three lines: declare the index, name its objects on the model, create
it in a migration (`core/ddl.py: create_search_index`). The repository's `search()` does the rest:

    NOTES_SEARCH = SearchIndex("notes", {"title": 4.0, "body": 1.0}, language="english")

    class Note(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
        __tablename__ = "notes"
        __table_args__ = ({"info": database_only(search=NOTES_SEARCH)},)

    class NoteRepository(Repository[Note]):
        model = Note
        search_index = NOTES_SEARCH

    hits = await NoteRepository(session).search("optim* \"linear model\"", owner_id=user.id)

Storage. SQLite: an external-content FTS5 table `<table>_fts` (no second copy of the text) kept in
sync by three triggers, tokenizer `unicode61 remove_diacritics 2` (any script, case and accents
folded). PostgreSQL: a generated column `search_vector` (each column weighted A, B, C, D by its
weight) with a GIN index `ix_<table>_search_vector`.

Ranking. SQLite: `bm25()` with the column weights. PostgreSQL: `ts_rank()` with the same weights
(normalised to the largest). So a title match ranks above a body match on both. Scores are only
comparable within one query.

Query syntax (never an error, whatever the user types): words must all match; `"a phrase"`;
`word*` matches a prefix; `-word` excludes; `a OR b`. Everything else (punctuation, operators of
either engine, unbalanced quotes) is dropped: the text is split into Unicode word characters and
each word is quoted before it reaches the engine, so no input is query syntax by accident. A query
with no word left matches nothing. PostgreSQL's `websearch_to_tsquery` is not used because it has
no prefix search; both engines get a query rendered from the same parsed form instead, so they
answer the same question.

Snippets are HTML-escaped text with the matches in `<mark>...</mark>`, safe to render.

Limits: a PostgreSQL `tsvector` holds at most 1 MB, so a row whose indexed text yields more
fails to insert there; cap the indexed fields' length in the module's write schemas.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, String, Table, bindparam, func, literal_column, select
from sqlalchemy import table as sql_table
from sqlalchemy.ext.asyncio import AsyncSession

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+")
# Marks around matches that no text contains by accident (Unicode private use), swapped for <mark>
# after the snippet is escaped.
_START, _STOP = "\ue000", "\ue001"
MAX_QUERY_CHARS = 256
MAX_TERMS = 16
_WEIGHT_LABELS = ("A", "B", "C", "D")


@dataclass(frozen=True, slots=True)
class Term:
    words: tuple[str, ...]  # one word, or a phrase
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """All `groups` must match (each group: any one of its terms); no `excluded` term may."""

    groups: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.groups)

    def fts5(self) -> str:
        def term(t: Term) -> str:
            return '"' + " ".join(t.words) + '"' + (" *" if t.prefix else "")

        def group(terms: Sequence[Term]) -> str:
            return term(terms[0]) if len(terms) == 1 else "(" + " OR ".join(map(term, terms)) + ")"

        rendered = " AND ".join(group(g) for g in self.groups)
        if self.excluded:
            rendered = f"({rendered}) NOT ({' OR '.join(map(term, self.excluded))})"
        return rendered

    def tsquery(self) -> str:
        def term(t: Term) -> str:
            lexemes = [f"'{word}'" for word in t.words]
            if t.prefix:
                lexemes[-1] += ":*"
            return lexemes[0] if len(lexemes) == 1 else "(" + " <-> ".join(lexemes) + ")"

        def group(terms: Sequence[Term]) -> str:
            return term(terms[0]) if len(terms) == 1 else "(" + " | ".join(map(term, terms)) + ")"

        rendered = " & ".join(group(g) for g in self.groups)
        for t in self.excluded:
            rendered += f" & !{term(t)}"
        return rendered


def parse_query(raw: str) -> ParsedQuery:
    """The user's query as terms of Unicode word characters only (see the module docstring)."""
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    join_next = False
    for match in _TOKEN.finditer(raw[:MAX_QUERY_CHARS]):
        negated, phrase, bare = match.group(1) == "-", match.group(2), match.group(3)
        prefix = False
        if bare is not None:
            if bare == "OR":
                join_next = bool(groups)
                continue
            negated = bare.startswith("-")
            prefix = bare.endswith("*")
            phrase = bare
        words = tuple(_WORD.findall(phrase or ""))
        if not words:
            continue
        term = Term(words, prefix=prefix)
        if negated:
            excluded.append(term)
        elif join_next:
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
        if len(groups) + len(excluded) >= MAX_TERMS:
            break
    return ParsedQuery(tuple(tuple(g) for g in groups), tuple(excluded))


@dataclass(frozen=True, slots=True)
class SearchHit:
    id: uuid.UUID
    score: float  # higher is better; comparable within one query only
    snippet: str  # HTML-escaped, matches wrapped in <mark>


def _render_snippet(raw: str | None) -> str:
    escaped = html.escape(raw or "", quote=False)
    return escaped.replace(_START, "<mark>").replace(_STOP, "</mark>")


@dataclass(frozen=True)
class SearchIndex:
    """The full-text index of one table: which text columns, how much each weighs, which language.

    `language` is a PostgreSQL text-search configuration (`simple`: no stemming, any language;
    `english`, `german`, ...: stemming and stop words). SQLite's tokenizer does not stem.
    """

    table: str
    columns: Mapping[str, float]
    language: str = "simple"
    snippet_words: int = 16
    _labels: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = [self.table, *self.columns, self.language]
        if not self.columns or not all(_IDENTIFIER.match(name) for name in names):
            raise ValueError(f"search index {self.table!r}: columns and names must be plain identifiers")
        if any(weight <= 0 for weight in self.columns.values()):
            raise ValueError("search weights must be positive")
        by_weight = sorted(self.columns, key=lambda c: -self.columns[c])
        labels = {name: _WEIGHT_LABELS[min(i, 3)] for i, name in enumerate(by_weight)}
        object.__setattr__(self, "_labels", labels)

    # -- names -------------------------------------------------------------------------------
    @property
    def fts_table(self) -> str:
        return f"{self.table}_fts"

    @property
    def vector_column(self) -> str:
        return "search_vector"

    @property
    def gin_index(self) -> str:
        return f"ix_{self.table}_search_vector"

    def database_objects(self) -> frozenset[str]:
        """Everything the migration creates that the model does not declare (see core/ddl.py)."""
        shadow = [f"{self.fts_table}_{suffix}" for suffix in ("data", "idx", "docsize", "config", "content")]
        return frozenset({self.fts_table, *shadow, self.vector_column, self.gin_index})

    # -- DDL ---------------------------------------------------------------------------------
    def create_statements(self, dialect: str) -> list[str]:
        cols = list(self.columns)
        if dialect == "postgresql":
            config = f"'{self.language}'::regconfig"
            vector = " || ".join(
                f"setweight(to_tsvector({config}, coalesce({c}, '')), '{self._labels[c]}')" for c in cols
            )
            return [
                f"ALTER TABLE {self.table} ADD COLUMN {self.vector_column} tsvector "
                f"GENERATED ALWAYS AS ({vector}) STORED",
                f"CREATE INDEX {self.gin_index} ON {self.table} USING gin ({self.vector_column})",
            ]
        if dialect != "sqlite":
            raise ValueError(f"full-text search is not supported on {dialect}")
        # Every name interpolated here matched _IDENTIFIER in __post_init__ (S608 below).
        fts, names = self.fts_table, ", ".join(cols)
        new = ", ".join(f"new.{c}" for c in cols)
        old = ", ".join(f"old.{c}" for c in cols)
        delete_old = f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.rowid, {old});"  # noqa: S608
        insert_new = f"INSERT INTO {fts}(rowid, {names}) VALUES (new.rowid, {new});"  # noqa: S608
        return [
            f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{self.table}', "
            "tokenize='unicode61 remove_diacritics 2')",
            f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {self.table} BEGIN {insert_new} END",
            f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {self.table} BEGIN {delete_old} END",
            f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {names} ON {self.table} "
            f"BEGIN {delete_old} {insert_new} END",
            f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",  # noqa: S608
        ]

    def drop_statements(self, dialect: str) -> list[str]:
        if dialect == "postgresql":
            return [
                f"DROP INDEX IF EXISTS {self.gin_index}",
                f"ALTER TABLE {self.table} DROP COLUMN IF EXISTS {self.vector_column}",
            ]
        fts = self.fts_table
        return [
            *(f"DROP TRIGGER IF EXISTS {fts}_{suffix}" for suffix in ("ai", "ad", "au")),
            f"DROP TABLE IF EXISTS {fts}",
        ]

    # -- queries -----------------------------------------------------------------------------
    async def search(
        self,
        session: AsyncSession,
        query: str | ParsedQuery,
        *,
        table: Table,
        where: Sequence[ColumnElement[bool]] = (),
        limit: int = 20,
        offset: int = 0,
        order_by: Sequence[ColumnElement[Any]] = (),
    ) -> list[SearchHit]:
        """The best `limit` matches after `offset`, best first; `where` filters the indexed table.

        `order_by` (columns of the table, e.g. newest first) replaces the ranking order; the
        scores and snippets are the same.
        """
        if table.name != self.table:
            raise ValueError(f"search index of {self.table!r} used on {table.name!r}")
        parsed = parse_query(query) if isinstance(query, str) else query
        if not parsed:
            return []
        statement = self.page_statement(
            parsed,
            table=table,
            dialect=session.get_bind().dialect.name,
            where=where,
            limit=limit,
            offset=offset,
            order_by=order_by,
        )
        rows = (await session.execute(statement)).all()
        return [self.hit(row) for row in rows]

    def page_statement(
        self,
        parsed: ParsedQuery,
        *,
        table: Table,
        dialect: str,
        where: Sequence[ColumnElement[bool]] = (),
        limit: int = 20,
        offset: int = 0,
        order_by: Sequence[ColumnElement[Any]] = (),
        with_total: bool = False,
    ) -> Select[Any]:
        """The page query `search` runs (columns `id`, `score`, `snippet`; with `with_total` also
        `total`, the number of matches over all pages, counted by the same query as a window).

        The table is in its FROM clause, so a caller may `add_columns()` a mapped entity of it
        and get the page's rows in the same round trip (`Repository.search_page`); read each
        row's hit with `hit(row)`. `parsed` must have a word (`bool(parsed)`).
        """
        if table.name != self.table:
            raise ValueError(f"search index of {self.table!r} used on {table.name!r}")
        request = _Request(parsed, table, tuple(where), limit, offset, tuple(order_by), with_total)
        return self._postgresql_query(request) if dialect == "postgresql" else self._sqlite_query(request)

    @staticmethod
    def hit(row: Any) -> SearchHit:
        """One row of `page_statement` as a hit (snippet escaped, matches in `<mark>`)."""
        return SearchHit(row.id, float(row.score), _render_snippet(row.snippet))

    async def count(
        self,
        session: AsyncSession,
        query: str | ParsedQuery,
        *,
        table: Table,
        where: Sequence[ColumnElement[bool]] = (),
    ) -> int:
        """How many rows `search` would find over all pages (for a page's total)."""
        parsed = parse_query(query) if isinstance(query, str) else query
        if not parsed:
            return 0
        if session.get_bind().dialect.name == "postgresql":
            vector: ColumnElement[str] = literal_column(f"{self.table}.{self.vector_column}")
            statement = select(func.count()).select_from(table).where(vector.op("@@")(self._tsquery(parsed)))
        else:
            statement = select(func.count()).select_from(self._fts_join(table)).where(self._fts_match(parsed))
        return int((await session.execute(statement.where(*where))).scalar_one())

    def _fts_join(self, table: Table) -> Any:
        fts_rowid: ColumnElement[int] = literal_column(f"{self.fts_table}.rowid")
        return table.join(sql_table(self.fts_table), fts_rowid == literal_column(f"{self.table}.rowid"))

    def _fts_match(self, parsed: ParsedQuery) -> ColumnElement[bool]:
        return literal_column(self.fts_table).op("MATCH")(bindparam("fts_query", parsed.fts5()))

    def _tsquery(self, parsed: ParsedQuery) -> ColumnElement[Any]:
        config: ColumnElement[str] = literal_column(f"'{self.language}'::regconfig")
        return func.to_tsquery(config, bindparam("ts_query", parsed.tsquery(), type_=String))

    def condition(
        self, query: str | ParsedQuery, *, table: Table, dialect: str
    ) -> ColumnElement[bool] | None:
        """A WHERE clause "this row matches `query`", for a caller that filters and sorts itself
        (a faceted search); None when the query has no word (no full-text filter then)."""
        parsed = parse_query(query) if isinstance(query, str) else query
        if not parsed:
            return None
        if dialect == "postgresql":
            config: ColumnElement[str] = literal_column(f"'{self.language}'::regconfig")
            tsquery = func.to_tsquery(config, bindparam("ts_query", parsed.tsquery(), type_=String))
            return literal_column(f"{self.table}.{self.vector_column}").op("@@")(tsquery)
        fts = self.fts_table
        matched: Select[Any] = (
            select(literal_column("rowid"))
            .select_from(sql_table(fts))
            .where(literal_column(fts).op("MATCH")(bindparam("fts_query", parsed.fts5())))
        )
        return literal_column(f"{self.table}.rowid").in_(matched)

    def _sqlite_query(self, request: _Request) -> Select[Any]:
        fts = self.fts_table
        weights = ", ".join(repr(float(w)) for w in self.columns.values())
        rank: ColumnElement[float] = literal_column(f"bm25({fts}, {weights})")  # lower is better
        snippet: ColumnElement[str] = literal_column(
            f"snippet({fts}, -1, '{_START}', '{_STOP}', '…', {int(self.snippet_words)})"
        )
        table = request.table
        # FTS5's bm25() and snippet() refuse a window in the same query: the total is a scalar
        # subquery of the same match (uncorrelated, its own FROM), still one round trip.
        totals: tuple[ColumnElement[Any], ...] = ()
        if request.with_total:
            count = (
                select(func.count())
                .select_from(self._fts_join(table))
                .where(self._fts_match(request.parsed), *request.where)
                .correlate(None)
                .scalar_subquery()
            )
            totals = (count.label("total"),)
        return (
            select(table.c.id, (-rank).label("score"), snippet.label("snippet"), *totals)
            .select_from(self._fts_join(table))
            .where(self._fts_match(request.parsed), *request.where)
            .order_by(*(request.order_by or (rank,)), table.c.id)
            .limit(request.limit)
            .offset(request.offset)
        )

    def _postgresql_query(self, request: _Request) -> Select[Any]:
        table = request.table
        config: ColumnElement[str] = literal_column(f"'{self.language}'::regconfig")
        query = self._tsquery(request.parsed)
        top = max(self.columns.values())
        by_label = {self._labels[c]: w / top for c, w in self.columns.items()}
        weights = ",".join(repr(float(by_label.get(label, 0.1))) for label in reversed(_WEIGHT_LABELS))
        vector: ColumnElement[str] = literal_column(f"{self.table}.{self.vector_column}")
        rank = func.ts_rank(literal_column(f"'{{{weights}}}'::float4[]"), vector, query)
        # Rank every match (and count them, for a page's total), but build headlines (the
        # expensive part) for the returned page only.
        totals = (func.count().over().label("total"),) if request.with_total else ()
        page = (
            select(table.c.id, rank.label("score"), *totals)
            .where(vector.op("@@")(query), *request.where)
            .order_by(*(request.order_by or (rank.desc(),)), table.c.id)
            .limit(request.limit)
            .offset(request.offset)
            .subquery()
        )
        document = func.concat_ws(" … ", *(table.c[c] for c in self.columns))
        options = (
            f"StartSel={_START}, StopSel={_STOP}, MaxWords={int(self.snippet_words)}, "
            'MinWords=5, MaxFragments=2, FragmentDelimiter=" … "'
        )
        headline = func.ts_headline(config, document, query, bindparam("headline_options", options))
        return (
            select(page.c.id, page.c.score, headline.label("snippet"), *((page.c.total,) if totals else ()))
            .join(table, table.c.id == page.c.id)
            .order_by(*(request.order_by or (page.c.score.desc(),)), page.c.id)
        )


@dataclass(frozen=True, slots=True)
class _Request:
    parsed: ParsedQuery
    table: Table
    where: tuple[ColumnElement[bool], ...]
    limit: int
    offset: int
    order_by: tuple[ColumnElement[Any], ...] = ()
    with_total: bool = False

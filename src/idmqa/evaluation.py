"""Evaluation: retrieval on a JSONL question set with gold snippets; who said what on a JSONL
set of hand-checked (person, statement line) pairs."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from idmqa.people.model import People
from idmqa.schema import Passage
from idmqa.text import normalise_for_match

KS = (1, 3, 5, 10)


@dataclass(frozen=True, slots=True)
class Question:
    """One evaluation question with its gold snippets."""

    id: str
    question: str
    gold: tuple[str, ...]  # empty for an off-topic question (the report does not answer it)
    lang: str = ""
    type: str = ""
    near: bool | None = None  # off-topic sets: near the report's domain, or far from it


@dataclass(frozen=True, slots=True)
class Outcome:
    """Where (1-based rank) the first passage containing a gold snippet came, if at all."""

    question: Question
    rank: int | None
    first: Passage | None
    answerable: bool = True


def _read_jsonl(
    path: Path,
    what: str,
    parse: Callable[[dict, int], object],
    check: Callable[[object], str | None] | None = None,
) -> list:
    """``parse(row, line_number)`` of every non-blank line of a JSONL file. A line that is
    not JSON or that ``parse`` cannot read, or whose item ``check`` finds a problem with, is a
    ``ValueError`` naming the file and the line."""
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = parse(json.loads(line), number)
        except (KeyError, TypeError, ValueError) as exc:  # JSONDecodeError is a ValueError
            raise ValueError(f"{path}:{number}: not a {what} row ({exc})") from exc
        problem = check(item) if check else None
        if problem:
            raise ValueError(f"{path}:{number}: {problem}")
        items.append(item)
    return items


def load_questions(path: Path) -> list[Question]:
    """Read a JSONL file of ``{"id", "question", "gold": [...], "lang", "type"}`` rows; an
    off-topic set has no ``gold`` and may say ``near`` (to the report's domain)."""
    return _read_jsonl(path, "question", _question)


def _question(row: dict, number: int) -> Question:
    return Question(
        str(row.get("id", number)),
        row["question"],
        tuple(row.get("gold", ())),
        row.get("lang", ""),
        row.get("type", "offtopic" if "gold" not in row else ""),
        row.get("near"),
    )


def gold_rank(question: Question, passages: list[Passage]) -> int | None:
    """Rank of the first passage that contains one of the gold snippets."""
    golds = [normalise_for_match(g) for g in question.gold]
    for rank, passage in enumerate(passages, 1):
        text = normalise_for_match(passage.text)
        if any(g in text for g in golds):
            return rank
    return None


#: What a retriever gives back: the best passages (≥ 10 of them) and whether it judged the
#: question answerable from the corpus.
Retrieved = tuple[list[Passage], bool]


def evaluate(questions: Iterable[Question], retrieve: Callable[[str], Retrieved]) -> list[Outcome]:
    """Run every question through ``retrieve``."""
    outcomes = []
    for q in questions:
        passages, answerable = retrieve(q.question)
        first = passages[0] if passages else None
        outcomes.append(Outcome(q, gold_rank(q, passages), first, answerable))
    return outcomes


def metrics(outcomes: list[Outcome]) -> dict[str, float]:
    """hit@1/3/5/10 and MRR@10 over the questions with gold, and the share of questions
    judged answerable (for an off-topic set, 1 − the share rejected)."""
    gold = [o for o in outcomes if o.question.gold]
    n = len(gold) or 1
    result = {f"hit@{k}": sum(o.rank is not None and o.rank <= k for o in gold) / n for k in KS}
    result["mrr@10"] = sum(1 / o.rank for o in gold if o.rank and o.rank <= 10) / n
    result["answerable"] = sum(o.answerable for o in outcomes) / (len(outcomes) or 1)
    result["n"] = len(outcomes)
    result["gold"] = len(gold)
    return result


def breakdown(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    """Metrics overall, per language, per question type and (off-topic sets) near or far."""
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        q = o.question
        groups["all"].append(o)
        groups[f"lang={q.lang or '?'}"].append(o)
        groups[f"type={q.type or '?'}"].append(o)
        if q.near is not None:
            groups[f"{'near' if q.near else 'far'}/lang={q.lang or '?'}"].append(o)
    return {name: metrics(group) for name, group in sorted(groups.items())}


_COLUMNS = ("hit@1", "hit@3", "hit@5", "hit@10", "mrr@10", "answerable")


def format_table(
    table: dict[str, dict[str, float]], other: dict[str, dict[str, float]] | None = None
) -> str:
    """Metrics as a text table; with ``other``, each cell shows ``base→variant``."""
    width = 15 if other else 11
    lines = [f"{'group':<22}{'n':>4}" + "".join(f"{c:>{width}}" for c in _COLUMNS)]
    for name, m in table.items():
        cells = []
        for c in _COLUMNS:
            if not m["gold"] and c != "answerable":
                cells.append(f"{'–':>{width}}")  # no gold: only answerability means anything
                continue
            cell = f"{m[c]:.3f}"
            if other is not None:
                cell += f"→{other[name][c]:.3f}"
            cells.append(f"{cell:>{width}}")
        lines.append(f"{name:<22}{m['n']:>4}" + "".join(cells))
    return "\n".join(lines)


def format_misses(outcomes: list[Outcome], k: int = 5) -> str:
    """The questions whose gold passage is not in the first ``k``, with what came first."""
    misses = [o for o in outcomes if o.question.gold and (o.rank is None or o.rank > k)]
    lines = [f"\nmisses at k={k}: {len(misses)}"]
    for o in misses:
        q, first = o.question, o.first
        where = f"{first.id} {first.text[:90]!r}" if first else "nothing"
        lines.append(
            f"- {q.id} [{q.lang}/{q.type}] {q.question}\n"
            f"    expected: {q.gold[0][:90]!r} (rank {o.rank})\n    first: {where}"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- conversations

#: How a conversation's follow-up is searched: alone, after its earlier questions pasted before
#: it (naive concatenation), or read in the conversation (the service's ``history``).
CONVERSATION_MODES = ("alone", "concatenated", "history")


@dataclass(frozen=True, slots=True)
class Conversation:
    """A follow-up question (with its gold snippets and follow-up type) and the questions
    asked before it, oldest first."""

    question: Question
    history: tuple[str, ...]


def load_conversations(path: Path) -> list[Conversation]:
    """Read a JSONL file of ``{"id", "lang", "type", "history": [...], "question", "gold"}``
    rows (``type``: pronoun, person_switch, topic, topic_switch)."""
    return _read_jsonl(path, "conversation", _conversation, _conversation_problem)


def _conversation(row: dict, number: int) -> Conversation:
    question = Question(
        str(row.get("id", number)),
        row["question"],
        tuple(row["gold"]),
        row.get("lang", ""),
        row.get("type", ""),
    )
    return Conversation(question, tuple(str(q) for q in row["history"]))


def _conversation_problem(c: Conversation) -> str | None:
    if not c.history or not c.question.gold:
        return "a conversation needs a history and gold"
    return None


def evaluate_conversations(
    conversations: Iterable[Conversation], retrieve: Callable[[Conversation], Retrieved]
) -> list[Outcome]:
    """Run every conversation's follow-up through ``retrieve``."""
    outcomes = []
    for c in conversations:
        passages, answerable = retrieve(c)
        first = passages[0] if passages else None
        outcomes.append(Outcome(c.question, gold_rank(c.question, passages), first, answerable))
    return outcomes


_FOLLOW_UP_COLUMNS = ("hit@1", "hit@5", "mrr@10")


def format_conversations(tables: dict[str, dict[str, dict[str, float]]]) -> str:
    """Follow-up metrics per group (overall, language, follow-up type), one column group per
    mode (``CONVERSATION_MODES``)."""
    modes = list(tables)
    head = "".join(f"{m:^21}" for m in modes)
    sub = "".join("".join(f"{c:>7}" for c in _FOLLOW_UP_COLUMNS) for _ in modes)
    lines = [f"{'':<22}{'':>4}{head}", f"{'group':<22}{'n':>4}{sub}"]
    for name, m in tables[modes[0]].items():
        cells = "".join(
            f"{tables[mode][name][c]:>7.3f}" for mode in modes for c in _FOLLOW_UP_COLUMNS
        )
        lines.append(f"{name:<22}{m['n']:>4}{cells}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- who said what


@dataclass(frozen=True, slots=True)
class GoldStatement:
    """A hand-checked (person, statement line) pair: ``person`` said what ``line`` reports."""

    person: str  # a name, matched through the people index
    line: int  # 1-based line of the source document
    snippet: str = ""  # verbatim words of that line (pick the passage among windows)
    how: str = ""  # named, title, continued
    document: str = ""  # the document id; may be left out when the corpus has one


def load_statements(path: Path) -> list[GoldStatement]:
    """Read a JSONL file of ``{"person", "line", "snippet", "how", "document"?}`` rows."""
    return _read_jsonl(path, "statement", _statement)


def _statement(row: dict, _number: int) -> GoldStatement:
    return GoldStatement(
        str(row["person"]),
        int(row["line"]),
        str(row.get("snippet", "")),
        str(row.get("how", "")),
        str(row.get("document", "")),
    )


@dataclass(frozen=True, slots=True)
class AttributionReport:
    """Attribution against a gold set: which gold pairs the index finds, and which of the
    statement speakers it gives passages the gold set has."""

    found: list[GoldStatement]
    missed: list[tuple[GoldStatement, list[Passage]]]  # with the passages holding the line
    correct: int
    wrong: list[tuple[str, Passage]]  # (person id, passage) the gold set does not have
    unknown: list[str]  # gold names the people index does not resolve

    def recall(self, how: str | None = None) -> tuple[int, int]:
        """(found, total) gold pairs, of one ``how`` or all."""
        found = [g for g in self.found if how is None or g.how == how]
        missed = [g for g, _ in self.missed if how is None or g.how == how]
        return len(found), len(found) + len(missed)

    def precision(self) -> tuple[int, int]:
        """(correct, total) statement speakers of the passages."""
        return self.correct, self.correct + len(self.wrong)


def _holding(
    gold: GoldStatement, passages: Sequence[Passage], documents: set[str]
) -> tuple[list[Passage], list[Passage]]:
    """The passages holding the gold line — with the snippet when one does — and all those
    covering it: of its document, their line range holding it."""
    document = gold.document or (next(iter(documents)) if len(documents) == 1 else "")
    covering = [
        p for p in passages if p.document == document and p.lines[0] <= gold.line <= p.lines[1]
    ]
    snippet = normalise_for_match(gold.snippet)
    with_snippet = [p for p in covering if snippet and snippet in normalise_for_match(p.text)]
    return with_snippet or covering, covering


def evaluate_attribution(
    gold: Sequence[GoldStatement],
    people: People,
    passages: Sequence[Passage],
) -> AttributionReport:
    """Match each gold pair: found when the person (resolved by name) is among the statement
    speakers of a passage holding the line. The gold set is taken as complete: every
    statement speaker of a passage that no gold pair of theirs holds is a false attribution."""
    documents = {p.document for p in passages}
    # an agenda row's speakers are scheduled to speak: it reports no statement
    speakers = {p.id: [] if p.kind == "agenda" else list(p.speakers) for p in passages}
    expected: dict[str, set[str]] = defaultdict(set)  # passage id → person ids of the gold set
    found, missed, unknown = [], [], []
    for g in gold:
        person = people.resolve(g.person)
        holding, covering = _holding(g, passages, documents)
        if person is None:
            unknown.append(g.person)
            missed.append((g, holding))
            continue
        for p in covering:  # every window of the line's paragraph may report it
            expected[p.id].add(person.id)
        if any(person.id in speakers[p.id] for p in holding):
            found.append(g)
        else:
            missed.append((g, holding))
    correct, wrong = 0, []
    for p in passages:
        for pid in speakers[p.id]:
            if pid in expected.get(p.id, ()):
                correct += 1
            else:
                wrong.append((pid, p))
    return AttributionReport(found, missed, correct, wrong, sorted(set(unknown)))


def format_attribution(report: AttributionReport, people: People) -> str:
    """Recall (overall and per ``how``), precision, then every miss and false attribution."""
    lines = []
    found, total = report.recall()
    correct, judged = report.precision()
    lines.append(f"recall    {found / max(total, 1):.3f}  ({found}/{total})")
    for how in sorted({g.how for g in [*report.found, *(g for g, _ in report.missed)]}):
        f, t = report.recall(how)
        lines.append(f"  {how or '?':<12}{f / max(t, 1):.3f}  ({f}/{t})")
    share = correct / max(judged, 1)
    lines.append(f"precision {share:.3f}  ({correct}/{judged} statement speakers of passages)")
    if report.unknown:
        lines.append(f"unknown to the people index: {', '.join(report.unknown)}")
    lines.append(f"\nmisses: {len(report.missed)}")
    for g, holding in report.missed:
        where = "; ".join(f"{p.id} speakers={list(p.speakers)}" for p in holding) or "no passage"
        lines.append(f"- {g.person} @{g.line} [{g.how}] {g.snippet[:80]!r}\n    {where}")
    lines.append(f"\nfalse attributions: {len(report.wrong)}")
    for pid, p in report.wrong:
        name = people.get(pid).name if people.get(pid) else pid
        lines.append(f"- {name} @{p.lines[0]}-{p.lines[1]} {p.id} {p.text[:80]!r}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- quotes

VERDICTS = ("verbatim", "close", "paraphrase", "not_found")
ATTRIBUTIONS = ("confirmed", "misattributed", "unattributed", "unknown_person", "not_found")


@dataclass(frozen=True, slots=True)
class QuoteCase:
    """One quote of a verification set: the verdict expected and, for a quote the report
    credits to someone, whom."""

    id: str
    category: str  # verbatim, trimmed, misquoted, translated, misattributed, invented…
    quote: str
    expected: str  # one of VERDICTS
    speaker: str | None = None  # the person the quote is credited to, as a user writes it
    credited: str | None = None  # id of the person the report credits

    @property
    def expected_attribution(self) -> str | None:
        """The attribution status a correct check gives (None when no speaker is named)."""
        if self.speaker is None:
            return None
        if self.expected == "not_found":
            return "not_found"
        return "misattributed" if self.category == "misattributed" else "confirmed"


@dataclass(frozen=True, slots=True)
class QuoteOutcome:
    """What the verifier said of a case."""

    case: QuoteCase
    verdict: str
    credited: tuple[str, ...]
    attribution: str | None  # status, when the case names a speaker


def load_quotes(path: Path) -> list[QuoteCase]:
    """Read a JSONL file of ``{"id", "category", "quote", "expected", "speaker"?,
    "credited"?}`` rows."""
    return _read_jsonl(path, "quote", _quote_case, _quote_problem)


def _quote_case(row: dict, number: int) -> QuoteCase:
    return QuoteCase(
        str(row.get("id", number)),
        row.get("category", ""),
        row["quote"],
        row["expected"],
        row.get("speaker"),
        row.get("credited"),
    )


def _quote_problem(case: QuoteCase) -> str | None:
    if case.expected not in VERDICTS:
        return f"expected must be one of {VERDICTS}"
    return None


def format_confusion(outcomes: list[QuoteOutcome]) -> str:
    """Expected × found verdicts, the attributions, accuracy per category, and the misses."""
    lines = [
        "verdicts (rows: expected, columns: found)",
        _matrix(VERDICTS, [(o.case.expected, o.verdict) for o in outcomes]),
    ]
    named = [o for o in outcomes if o.case.expected_attribution]
    lines += [
        "",
        "attributions (rows: expected, columns: found)",
        _matrix(ATTRIBUTIONS, [(o.case.expected_attribution, o.attribution) for o in named]),
    ]
    groups: dict[str, list[QuoteOutcome]] = defaultdict(list)
    for o in outcomes:
        groups[o.case.category].append(o)
    lines += ["", f"{'category':<15}{'n':>4}{'verdict ok':>12}{'credited ok':>13}"]
    for name, group in [*sorted(groups.items()), ("all", outcomes)]:
        right = sum(o.verdict == o.case.expected for o in group)
        who = [o for o in group if o.case.credited and o.verdict != "not_found"]
        credited = sum(o.case.credited in o.credited for o in who)
        lines.append(f"{name:<15}{len(group):>4}{right:>7}/{len(group):<4}{credited:>8}/{len(who)}")
    wrong = [o for o in outcomes if o.verdict != o.case.expected or _misattributed(o)]
    lines.append(f"\nwrong: {len(wrong)}")
    lines += [
        f"- {o.case.id} [{o.case.category}] expected {o.case.expected}, found {o.verdict}"
        + ("" if o.attribution is None else f", attribution {o.attribution}")
        + f": {o.case.quote[:80]!r}"
        for o in wrong
    ]
    return "\n".join(lines)


def _misattributed(o: QuoteOutcome) -> bool:
    expected = o.case.expected_attribution
    return expected is not None and o.verdict == o.case.expected and o.attribution != expected


def _matrix(labels: tuple[str, ...], pairs: list[tuple[str | None, str | None]]) -> str:
    width = max(len(label) for label in labels) + 2
    rows = [" " * width + "".join(f"{label:>{width}}" for label in labels)]
    for expected in labels:
        counts = [sum(e == expected and f == found for e, f in pairs) for found in labels]
        if any(counts) or any(e == expected for e, _ in pairs):
            rows.append(f"{expected:<{width}}" + "".join(f"{c:>{width}}" for c in counts))
    return "\n".join(rows)

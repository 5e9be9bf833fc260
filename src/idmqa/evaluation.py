"""Retrieval evaluation on a JSONL question set with gold snippets."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from idmqa.schema import Passage
from idmqa.text import normalise_for_match

KS = (1, 3, 5, 10)


@dataclass(frozen=True, slots=True)
class Question:
    """One evaluation question with its gold snippets."""

    id: str
    question: str
    gold: tuple[str, ...]
    lang: str = ""
    type: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    """Where (1-based rank) the first passage containing a gold snippet came, if at all."""

    question: Question
    rank: int | None
    first: Passage | None


def load_questions(path: Path) -> list[Question]:
    """Read a JSONL file of ``{"id", "question", "gold": [...], "lang", "type"}`` rows."""
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            questions.append(
                Question(
                    str(row.get("id", number)),
                    row["question"],
                    tuple(row["gold"]),
                    row.get("lang", ""),
                    row.get("type", ""),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a question row ({exc})") from exc
    return questions


def gold_rank(question: Question, passages: list[Passage]) -> int | None:
    """Rank of the first passage that contains one of the gold snippets."""
    golds = [normalise_for_match(g) for g in question.gold]
    for rank, passage in enumerate(passages, 1):
        text = normalise_for_match(passage.text)
        if any(g in text for g in golds):
            return rank
    return None


def evaluate(
    questions: Iterable[Question], retrieve: Callable[[str], list[Passage]]
) -> list[Outcome]:
    """Run every question through ``retrieve`` (best passages first, ≥ 10 of them)."""
    outcomes = []
    for q in questions:
        passages = retrieve(q.question)
        outcomes.append(Outcome(q, gold_rank(q, passages), passages[0] if passages else None))
    return outcomes


def metrics(outcomes: list[Outcome]) -> dict[str, float]:
    """hit@1/3/5/10 and MRR@10 over ``outcomes``."""
    n = len(outcomes) or 1
    result = {f"hit@{k}": sum(o.rank is not None and o.rank <= k for o in outcomes) / n for k in KS}
    result["mrr@10"] = sum(1 / o.rank for o in outcomes if o.rank and o.rank <= 10) / n
    result["n"] = len(outcomes)
    return result


def breakdown(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    """Metrics overall, per language and per question type."""
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups["all"].append(o)
        groups[f"lang={o.question.lang or '?'}"].append(o)
        groups[f"type={o.question.type or '?'}"].append(o)
    return {name: metrics(group) for name, group in sorted(groups.items())}


_COLUMNS = ("hit@1", "hit@3", "hit@5", "hit@10", "mrr@10")


def format_table(
    table: dict[str, dict[str, float]], other: dict[str, dict[str, float]] | None = None
) -> str:
    """Metrics as a text table; with ``other``, each cell shows ``base→variant``."""
    width = 15 if other else 9
    lines = [f"{'group':<22}{'n':>4}" + "".join(f"{c:>{width}}" for c in _COLUMNS)]
    for name, m in table.items():
        cells = []
        for c in _COLUMNS:
            cell = f"{m[c]:.3f}"
            if other is not None:
                cell += f"→{other[name][c]:.3f}"
            cells.append(f"{cell:>{width}}")
        lines.append(f"{name:<22}{m['n']:>4}" + "".join(cells))
    return "\n".join(lines)


def format_misses(outcomes: list[Outcome], k: int = 5) -> str:
    """The questions whose gold passage is not in the first ``k``, with what came first."""
    misses = [o for o in outcomes if o.rank is None or o.rank > k]
    lines = [f"\nmisses at k={k}: {len(misses)}"]
    for o in misses:
        q, first = o.question, o.first
        where = f"{first.id} {first.text[:90]!r}" if first else "nothing"
        lines.append(
            f"- {q.id} [{q.lang}/{q.type}] {q.question}\n"
            f"    expected: {q.gold[0][:90]!r} (rank {o.rank})\n    first: {where}"
        )
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
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            case = QuoteCase(
                str(row.get("id", number)),
                row.get("category", ""),
                row["quote"],
                row["expected"],
                row.get("speaker"),
                row.get("credited"),
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a quote row ({exc})") from exc
        if case.expected not in VERDICTS:
            raise ValueError(f"{path}:{number}: expected must be one of {VERDICTS}")
        cases.append(case)
    return cases


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

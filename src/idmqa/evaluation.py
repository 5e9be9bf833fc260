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


def load_questions(path: Path) -> list[Question]:
    """Read a JSONL file of ``{"id", "question", "gold": [...], "lang", "type"}`` rows; an
    off-topic set has no ``gold`` and may say ``near`` (to the report's domain)."""
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
                    tuple(row.get("gold", ())),
                    row.get("lang", ""),
                    row.get("type", "offtopic" if "gold" not in row else ""),
                    row.get("near"),
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

"""Turn parsed blocks into indexed passages that fit the embedding model's window."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cache

from idmqa import lexicon
from idmqa.schema import Block, Document, Passage
from idmqa.text import detect_language, iter_sentences
from idmqa.tokens import count_tokens

#: Bump when the chunking changes, so the manifest tells stale indexes apart.
CHUNKER_VERSION = "7"
# A web address is embedded as its host alone: the words of its path ("…/dialogue-
# international-de-loim-sur-la-migration-idm") make a footnote that only points somewhere
# look like a passage about its subject.
_WEB_ADDRESS = re.compile(r"<?https?://(?P<host>[^/\s>]+)[^\s>]*?>?(?=[.,;:!?)]*(?:\s|$))")

#: Blocks that carry no retrievable content of their own.
SKIPPED_KINDS = frozenset({"heading", "cover"})

TokenCounter = Callable[[str], int]


def _windows(text: str, fits: Callable[[str], bool], overlap: int) -> list[tuple[int, int]]:
    """Character spans covering ``text`` by whole sentences, each span fitting the model.

    Consecutive windows share ``overlap`` sentences so a statement cut at a window
    edge is still whole in one of them.
    """
    sentences = iter_sentences(text) or [(0, len(text))]
    spans: list[tuple[int, int]] = []
    start = 0
    while start < len(sentences):
        end = start + 1
        while end < len(sentences) and fits(text[sentences[start][0] : sentences[end][1]]):
            end += 1
        spans.append((sentences[start][0], sentences[end - 1][1]))
        if end >= len(sentences):
            break
        start = max(end - overlap, start + 1)
    return spans


def _line_of(fragment: str, lines: Sequence[str], first: int, last: int, default: int) -> int:
    """1-based source line (within ``first..last``) that contains ``fragment``."""
    probe = fragment.strip()[:60]
    for number in range(first, last + 1):
        if probe and probe in lines[number - 1]:
            return number
    return default


def chunk_block(
    doc: Document,
    block: Block,
    source_lines: Sequence[str],
    count_model_tokens: TokenCounter,
    max_tokens: int,
    overlap: int,
) -> list[Passage]:
    """One passage for a block that fits the model, several overlapping ones otherwise."""
    first, last = block.lines
    base_id = f"{doc.id}:{first}-{last}"
    context = section_context(block.section)
    lead_in = block.meta.get("lead_in", "")

    def fits(text: str) -> bool:
        # measured as embedded: with the section and any lead-in sentence before it
        return count_model_tokens(_embedded(context, lead_in, text)) <= max_tokens

    spans = [(0, len(block.text))] if fits(block.text) else _windows(block.text, fits, overlap)
    passages = []
    for part, (start, end) in enumerate(spans):
        text = block.text[start:end]
        if len(spans) > 1:
            lo = _line_of(text, source_lines, first, last, first)
            hi = _line_of(text[-60:], source_lines, lo, last, last)
            lines, pid = (lo, hi), f"{base_id}:{part}"
        else:
            lines, pid = block.lines, base_id
        passages.append(
            Passage(
                id=pid,
                document=doc.id,
                kind=block.kind,
                text=text,
                lines=lines,
                section=block.section,
                tokens=count_tokens(text),
                language=detect_language(text),
                part=part,
                footnote_refs=block.footnote_refs,
                meta=dict(block.meta),
                blocks=block.sources,
            )
        )
    return passages


#: Blocks this short hold a title, a date or a venue rather than an answer of their own.
FRAGMENT_WORDS = 8
_MERGEABLE = frozenset({"paragraph", "front_matter"})


def _is_fragment(block: Block) -> bool:
    return block.kind in _MERGEABLE and len(block.text.split()) < FRAGMENT_WORDS


#: A line that is an item of a list: a bullet, or a short enumerator ("a.", "3)", "iv.").
_LIST_ITEM = re.compile(r"^\s*(?:[-–•*]|\(?(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4})[.)])\s")


def _is_list(block: Block) -> bool:
    # The first line only: lists elide items ("[...]") and wrap long ones.
    return bool(_LIST_ITEM.match(block.text))


def _announces(block: Block) -> bool:
    return block.kind in _MERGEABLE and block.text.rstrip().endswith(":")


def _introduces(block: Block) -> bool:
    # "On peut entendre par gouvernance mondiale :" announces the block after it.
    return _announces(block) and len(block.text.split()) < 2 * FRAGMENT_WORDS


def _lead_in(block: Block) -> str:
    """The last sentence of ``block`` (the one that announces what follows)."""
    spans = iter_sentences(block.text)
    return block.text[spans[-1][0] : spans[-1][1]] if spans else block.text


@cache
def _back_reference() -> re.Pattern[str]:
    return re.compile(
        rf"(?:{lexicon.phrase_pattern(lexicon.words('back_references'))})\b", re.IGNORECASE
    )


def _refers_back(block: Block) -> bool:
    # "Elle a souligné…", "Dans ce cadre, …": the subject is named in the paragraph before.
    return block.kind == "paragraph" and bool(_back_reference().match(block.text))


def _first_sentence(block: Block) -> str:
    """The sentence that names what ``block`` is about: its lead-in if it has one, else
    its first sentence."""
    spans = iter_sentences(block.text)
    first = block.text[spans[0][0] : spans[0][1]] if spans else block.text
    return block.meta.get("lead_in") or first


def _paragraph_before(merged: Sequence[Block], block: Block) -> Block | None:
    """The paragraph a reader read last before ``block`` in its section (past the footnotes
    and captions set between them), if any."""
    for previous in reversed(merged):
        if previous.section != block.section:
            return None
        if previous.kind == "paragraph":
            return previous
    return None


def _merge(first: Block, second: Block) -> Block:
    return replace(
        second,
        text=f"{first.text}\n{second.text}",
        lines=(first.lines[0], second.lines[1]),
        section=first.section,
        footnote_refs=tuple(dict.fromkeys(first.footnote_refs + second.footnote_refs)),
        meta={**second.meta, **first.meta},
        parts=first.sources + second.sources,
    )


def merge_fragments(blocks: Sequence[Block]) -> list[Block]:
    """Join runs of title/date/venue fragments, and lead-in lines with what they introduce.

    Alone, such fragments match many questions while answering none. A list announced at the
    end of a longer paragraph ("… qui comprend trois principes :") stays its own passage but
    carries that sentence as ``meta["lead_in"]``, embedded with it (:func:`embedding_text`),
    and ``meta["announced"]`` (search ranks it right after the paragraph announcing it):
    apart, the paragraph matches the question and the list holds the answer; merged, a long
    paragraph would dilute the list. Likewise a paragraph opening with a back reference ("Elle
    a souligné…", "Dans ce cadre…", data/lexicon/<lang>/back_references.txt) carries the first
    sentence of the paragraph it continues, which names who spoke or which framework it is.
    """
    merged: list[Block] = []
    for block in blocks:
        previous = merged[-1] if merged else None
        same = (
            previous is not None and previous.section == block.section and block.kind in _MERGEABLE
        )
        if same and (_introduces(previous) or (_is_fragment(previous) and _is_fragment(block))):
            merged[-1] = _merge(previous, block)
        elif same and _announces(previous) and _is_list(block):
            lead_in = {"lead_in": _lead_in(previous), "announced": "list"}
            merged.append(replace(block, meta={**block.meta, **lead_in}))
        elif _refers_back(block) and (before := _paragraph_before(merged, block)):
            merged.append(replace(block, meta={**block.meta, "lead_in": _first_sentence(before)}))
        else:
            merged.append(block)
    return merged


def chunk_document(
    doc: Document,
    blocks: Sequence[Block],
    count_model_tokens: TokenCounter,
    max_tokens: int,
    overlap: int = 1,
) -> list[Passage]:
    """All passages of a document, in document order."""
    source_lines = doc.text.split("\n")
    passages: list[Passage] = []
    indexable = [b for b in blocks if b.kind not in SKIPPED_KINDS and b.text.strip()]
    for block in merge_fragments(indexable):
        passages.extend(
            chunk_block(doc, block, source_lines, count_model_tokens, max_tokens, overlap)
        )
    return passages


def section_context(section: Sequence[str]) -> str:
    """The nearest section titles, as a reader sees them above a paragraph."""
    return " › ".join(section[-2:])


def with_context(context: str, text: str) -> str:
    """``text`` preceded by its section context, when there is one."""
    return f"{context}\n{text}" if context else text


def embedding_text(passage: Passage) -> str:
    """What the model embeds and BM25 analyses: the passage with its section context, and a
    list with the sentence announcing it.

    The section gives short or elliptic paragraphs the context a reader has.
    """
    return _embedded(
        section_context(passage.section), passage.meta.get("lead_in", ""), passage.text
    )


def _embedded(context: str, lead_in: str, text: str) -> str:
    text = _WEB_ADDRESS.sub(_host, text)
    return with_context(context, f"{lead_in}\n{text}" if lead_in else text)


def _host(match: re.Match) -> str:
    return match.group("host").removeprefix("www.")

"""The build's English→French word table, read from dictd dictionaries (FreeDict's format)."""

from __future__ import annotations

import gzip
from pathlib import Path

from idmqa.index.bilingual import bilingual_table, read_dictd

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _b64(number: int) -> str:
    digits = ""
    while True:
        digits = _B64[number % 64] + digits
        number //= 64
        if not number:
            return digits


def write_dictd(directory: Path, name: str, entries: dict[str, str]) -> None:
    """A dictd dictionary: ``name.dict.dz`` (gzip) and ``name.index`` (word, offset, size)."""
    body, rows = b"", []
    for head, text in entries.items():
        entry = f"{head} /pron/\n{text}\n".encode()
        rows.append(f"{head}\t{_b64(len(body))}\t{_b64(len(entry))}")
        body += entry
    (directory / f"{name}.dict.dz").write_bytes(gzip.compress(body))
    (directory / f"{name}.index").write_text("\n".join(rows) + "\n", encoding="utf-8")


def test_dictd_entries_are_read_with_their_translations(tmp_path: Path) -> None:
    write_dictd(tmp_path, "freedict-eng-fra", {"law": "1. droit\n2. loi", "room": "chambre, salle"})
    assert dict(read_dictd(tmp_path, "freedict-eng-fra")) == {
        "law": ["droit", "loi"],
        "room": ["chambre", "salle"],
    }
    assert list(read_dictd(tmp_path, "missing")) == []


def test_table_keeps_corpus_words_in_both_directions_keyed_by_english_stems(
    tmp_path: Path,
) -> None:
    write_dictd(tmp_path, "freedict-eng-fra", {"funding": "financement, fonds", "law": "droit"})
    # reversed: the French–English dictionary knows "engagement" → "commitment"
    write_dictd(tmp_path, "freedict-fra-eng", {"engagement": "<n, masc>\n1. commitment"})
    corpus = {"fonds", "engagement", "droit"}
    table, used = bilingual_table(tmp_path, corpus.__contains__)
    assert used == ["freedict-eng-fra", "freedict-fra-eng"]
    assert table == {"fund": ["fonds"], "law": ["droit"], "commit": ["engagement"]}


def test_no_dictionaries_give_an_empty_table(tmp_path: Path) -> None:
    assert bilingual_table(tmp_path, lambda word: True) == ({}, [])

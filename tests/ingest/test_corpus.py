import json
from pathlib import Path

from idmqa.ingest.corpus import corpus_fingerprint, load_corpus, slugify
from tests.helpers import CORPUS


def test_real_corpus_has_the_report_with_metadata() -> None:
    docs, problems = load_corpus(CORPUS)
    assert problems == []
    report = next(d for d in docs if d.id == "idm-28-2018-partenariats.fr")
    assert report.language == "fr"
    assert report.meta["isbn"] == "978-92-9068-780-1"
    assert report.meta["series_number"] == 28
    assert "partenariats" in report.title.lower()


def test_bad_files_are_skipped_with_a_message_naming_them(tmp_path: Path) -> None:
    (tmp_path / "good.md").write_text("# Titre\n\nUn paragraphe.\n", encoding="utf-8")
    (tmp_path / "good.json").write_text(json.dumps({"title": "Bon", "language": "fr"}))
    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02abc")
    (tmp_path / "latin1.txt").write_bytes("Genève".encode("latin-1"))
    docs, problems = load_corpus(tmp_path)
    assert [d.id for d in docs] == ["good"]
    assert docs[0].title == "Bon"
    joined = " ".join(problems)
    for name in ("empty.txt", "binary.txt", "latin1.txt"):
        assert name in joined


def test_fingerprint_changes_with_content(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("un", encoding="utf-8")
    before = corpus_fingerprint(load_corpus(tmp_path)[0])
    (tmp_path / "a.txt").write_text("deux", encoding="utf-8")
    assert corpus_fingerprint(load_corpus(tmp_path)[0]) != before


def test_slugify() -> None:
    assert slugify("IDM 28 – Partenariats.fr") == "idm-28-partenariats.fr"

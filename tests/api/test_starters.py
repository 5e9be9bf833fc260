"""GET /starters on a real server: the build's starter questions in the interface language."""

from __future__ import annotations

import json

import httpx
import pytest

from idmqa.index.store import current_build
from idmqa.settings import Settings


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_starters_in_each_language_come_from_the_build(
    server: str, settings: Settings, lang: str
) -> None:
    r = httpx.get(f"{server}/starters", params={"lang": lang}, timeout=30)
    assert r.status_code == 200
    built = json.loads((current_build(settings.index_dir) / "starters.json").read_text("utf-8"))
    assert r.json() == {"language": lang, "starters": built[lang]}
    assert built[lang] and len(set(built[lang])) == len(built[lang])


def test_starters_default_to_french_and_refuse_other_languages(server: str) -> None:
    assert httpx.get(f"{server}/starters", timeout=30).json()["language"] == "fr"
    for lang in ("de", "x" * 5000):
        r = httpx.get(f"{server}/starters", params={"lang": lang}, timeout=30)
        assert r.status_code == 422 and "lang" in r.json()["detail"]
        assert "xxxxx" not in r.text


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_each_starter_finds_its_person_or_section(server: str, lang: str) -> None:
    """A starter is only useful if asking it shows what it names: the person's statements,
    or passages of the section whose heading it quotes, among the first three."""
    starters = httpx.get(f"{server}/starters", params={"lang": lang}, timeout=30).json()
    names = [p["name"] for p in httpx.get(f"{server}/speakers", timeout=30).json()["speakers"]]
    for question in starters["starters"]:
        hits = httpx.get(f"{server}/ask", params={"q": question, "k": 3}, timeout=30).json()
        person = next((n for n in names if n in question), None)
        if person:
            found = [s["name"] for p in hits["passages"] for s in p["citation"]["speakers"]]
            assert person in found, question
        else:
            sections = [p["citation"]["section"].rsplit(" › ", 1)[-1] for p in hits["passages"]]
            assert any(s and s in question for s in sections), question

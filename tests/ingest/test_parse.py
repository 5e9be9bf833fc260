"""Tests of the structural parser against the real IDM No. 28 report and small synthetic texts."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from idmqa.ingest.parse import expand_lines, parse_document
from idmqa.ingest.parse.vocab import SECTION_HEADINGS, Mode
from idmqa.schema import Block
from idmqa.text import iter_sentences
from tests.helpers import assert_blocks_verbatim, assert_every_line_once


def at(blocks: list[Block], line: int) -> Block:
    """The block that consumed source line ``line``."""
    found = [b for b in blocks if line in expand_lines(b.meta["src_lines"])]
    assert len(found) == 1, (line, found)
    return found[0]


# --------------------------------------------------------------------------- page-break joins


@pytest.mark.parametrize(("first", "second"), [(63, 65), (348, 350), (390, 392), (620, 622)])
def test_page_break_joins(report_blocks, report_lines, first, second):
    b = at(report_blocks, first)
    assert b is at(report_blocks, second)
    assert b.kind == "paragraph"
    assert b.lines == (first, second)
    assert b.text == report_lines[first - 1] + " " + report_lines[second - 1]
    assert f"{first}-{second}" in b.meta["joins"]


def test_key_message_joined_across_page_break(report_blocks):
    b = at(report_blocks, 206)
    assert b.kind == "key_message"
    assert b.lines == (206, 208)
    assert b.text.startswith("- 2. Il faut développer")
    assert "nombreux niveaux" in b.text
    assert at(report_blocks, 205) is not b


def test_join_across_footnotes(report_blocks, report_lines):
    b = at(report_blocks, 133)
    assert b is at(report_blocks, 139)
    assert b.lines == (133, 139)
    assert expand_lines(b.meta["src_lines"]) == [133, 139]
    assert b.text == report_lines[132] + " " + report_lines[138]
    assert "¹ Organisation" not in b.text and "A/RES/71/1" not in b.text
    for line, marker in ((135, "1"), (137, "2")):
        fn = at(report_blocks, line)
        assert fn.kind == "footnote" and fn.marker == marker
    # the Nansen sentence cut by footnotes ²³ ²⁴
    nansen = at(report_blocks, 324)
    assert nansen is at(report_blocks, 330)
    assert "a été lancée par la Norvège" in nansen.text


def test_join_across_footnote_and_lowercase_only(report_blocks):
    b = at(report_blocks, 718)
    assert b.lines == (718, 722)
    assert at(report_blocks, 720).kind == "footnote"


@pytest.mark.parametrize("line", [714, 784])
def test_no_join_after_sentence_without_period(report_blocks, line):
    b = at(report_blocks, line)
    assert b.lines[1] == line
    nxt = at(report_blocks, line + 2)
    assert nxt is not b
    assert nxt.lines[0] == line + 2


def test_headings_are_never_joined(report_blocks):
    for b in report_blocks:
        if b.kind == "heading":
            assert b.lines[0] == b.lines[1]
            assert "\n" not in b.text


def test_number_of_joins(report_blocks):
    joins = [j for b in report_blocks for j in b.meta.get("joins", "").split(",") if j]
    assert 55 <= len(joins) <= 70


# --------------------------------------------------------------------------- footnotes


def test_footnotes_taken_out_of_prose(report_blocks):
    notes = [b for b in report_blocks if b.kind == "footnote"]
    assert len(notes) == 41
    assert {b.marker for b in notes} >= {str(n) for n in range(1, 40)}
    for b in notes:
        assert b.marker and b.marker.isdigit()
        assert not b.footnote_refs
    for b in report_blocks:
        if b.kind != "footnote":
            assert not re.search(r"(^|\n)\s*[¹²³⁴⁵⁶⁷⁸⁹]", b.text), b.lines


def test_footnote_refs_detected(report_blocks):
    assert "1" in at(report_blocks, 131).footnote_refs
    assert "2" in at(report_blocks, 133).footnote_refs
    assert "22" in at(report_blocks, 310).footnote_refs
    assert "28" in at(report_blocks, 460).footnote_refs
    fn28 = at(report_blocks, 462)
    assert fn28.marker == "28"
    assert "Diallo" in fn28.text
    assert fn28.meta["ref_lines"] == "460"


def test_geneva_agenda_footnotes_distinct(report_blocks):
    main1, main2 = at(report_blocks, 135), at(report_blocks, 137)
    gva1, gva2 = at(report_blocks, 990), at(report_blocks, 992)
    assert main1.marker == gva1.marker == "1"
    assert main2.marker == gva2.marker == "2"
    assert main1.meta["ref_lines"] == "131"
    assert main2.meta["ref_lines"].startswith("133")
    assert gva1.section != main1.section
    assert "Genève" in gva1.section[0]
    assert gva1.meta["ref_lines"].startswith("982")
    assert gva2.meta["ref_lines"].startswith("982")
    citing = at(report_blocks, 982)
    assert set(citing.footnote_refs) == {"1", "2"}
    assert citing.meta["footnotes"] == "1:990,2:992"


# --------------------------------------------------------------------------- headings, sections


def test_chapter_and_subsection_paths(report_blocks):
    chap1 = "1. LES PARTENARIATS SONT INDISPENSABLES À UNE GOUVERNANCE MONDIALE DES MIGRATIONS"
    assert at(report_blocks, 218).kind == "heading"
    assert at(report_blocks, 260).kind == "heading"
    p = at(report_blocks, 262)
    assert p.kind == "paragraph"
    assert p.section == (chap1, "Processus régionaux sur les migrations")
    c = at(report_blocks, 844)
    assert c.section == ("CONCLUSIONS", "Rôle de l'Organisation internationale pour les migrations")
    assert at(report_blocks, 800).section == ("CONCLUSIONS",)
    assert at(report_blocks, 131).section == ("INTRODUCTION",)


def test_expected_headings(report_blocks):
    titles = {b.text.strip() for b in report_blocks if b.kind == "heading"}
    for t in (
        "CONTENU",
        "ABREVIATIONS ET ACRONYMES",
        "RAPPORT DES ATELIERS",
        "INTRODUCTION",
        "CONCLUSIONS",
        "RECOMMANDATIONS",
        "ORDRE DU JOUR FINAL",
        "Messages clés du Dialogue international sur la migration 2018",
        "Approche associant l'ensemble de la société",
        "Droits de l'homme et travail forcé",
        "Rôle central des données",
    ):
        assert t in titles, t
    chapters = [
        b for b in report_blocks if b.kind == "heading" and re.match(r"^\d\. [A-ZÉ]", b.text)
    ]
    assert len(chapters) == 6
    # short sentence-like lines are not headings
    assert at(report_blocks, 228).kind == "paragraph"
    assert at(report_blocks, 161).kind == "paragraph"


def test_every_block_after_the_front_has_a_section(report_blocks):
    for b in report_blocks:
        if b.lines[0] > 79:
            assert b.section, b


# --------------------------------------------------------------------------- kinds


def test_kinds(report_blocks):
    counts = Counter(b.kind for b in report_blocks)
    assert counts["cover"] == 1
    assert counts["toc"] == 1
    assert 1 <= counts["abbreviations"] <= 3
    assert counts["key_message"] == 6
    assert counts["recommendation"] == 6
    assert counts["caption"] == 10
    assert counts["series"] == 1
    assert counts["agenda"] >= 28


def test_captions(report_blocks):
    for line in (195, 240, 344, 402, 456, 484, 516, 564, 612, 630):
        assert at(report_blocks, line).kind == "caption", line
    assert "Henrietta Holsman Fore" in at(report_blocks, 344).text


def test_cover_and_front_matter(report_blocks):
    cover = at(report_blocks, 3)
    assert cover.kind == "cover"
    assert cover is at(report_blocks, 22)
    for line in (24, 26, 28, 37, 40, 42, 44, 46):
        assert at(report_blocks, line).kind == "front_matter", line
    assert at(report_blocks, 75).kind == "paragraph"
    assert at(report_blocks, 1066).kind == "front_matter"


def test_toc_and_abbreviations(report_blocks):
    toc = at(report_blocks, 81)
    assert toc.kind == "toc" and toc is at(report_blocks, 93)
    abbr = [b for b in report_blocks if b.kind == "abbreviations"]
    text = "\n".join(b.text for b in abbr)
    assert "PCR\tProcessus consultatifs régionaux sur la migration" in text
    assert "UIP\tUnion interparlementaire" in text
    assert "DAWN\tDiaspora African Women’s Network" in text


def test_recommendations(report_blocks):
    recs = [b for b in report_blocks if b.kind == "recommendation"]
    assert [b.text[:2] for b in recs] == ["1.", "2.", "3.", "4.", "5.", "6."]
    assert recs[0].lines[0] == 858 and recs[0].lines[1] >= 864
    assert "Il faut renforcer les modèles de partenariat existants" in recs[0].text
    assert recs[1].section[0] == "RECOMMANDATIONS"
    assert at(report_blocks, 856).kind == "paragraph"


def test_series(report_blocks):
    s = at(report_blocks, 1035)
    assert s.kind == "series" and s is at(report_blocks, 1062)


# --------------------------------------------------------------------------- agenda


def agenda(blocks: list[Block]) -> list[Block]:
    return [b for b in blocks if b.kind == "agenda"]


def listed(block: Block, role: str) -> str:
    """The agenda entries of ``block`` with ``role``, one per line."""
    return "\n".join(block.text[e.start : e.end] for e in block.agenda if e.role == role)


def test_agenda_new_york_session_1(report_blocks):
    b = at(report_blocks, 927)
    assert b.kind == "agenda"
    assert b is at(report_blocks, 930)
    assert b.meta["time"] == "12 h - 13 h"
    assert b.meta["session"].startswith("Session 1 :")
    assert "Wilmoth" in listed(b, "moderator")
    assert "Laczko" in listed(b, "speaker") and "Wilmoth" not in listed(b, "speaker")
    assert b.meta["workshop"] == "New York, 26–27 mars 2018"
    assert b.meta["day"] == "Première journée"
    assert "<" not in b.text and "Wilmoth" in b.text
    assert "<p>" in b.meta["raw"]


def test_agenda_rows(report_blocks):
    rows = agenda(report_blocks)
    for b in rows:
        assert "<" not in b.text, b.lines
        assert b.meta["time"]
        assert b.meta["workshop"] in ("New York, 26–27 mars 2018", "Genève, 8–9 octobre 2018")
        assert b.meta["day"] in ("Première journée", "Seconde journée", "Deuxième journée")
    gva_s4 = at(report_blocks, 1018)
    assert gva_s4 is at(report_blocks, 1021)
    assert gva_s4.meta["day"] == "Deuxième journée"
    assert listed(gva_s4, "moderator").startswith("Mme Susan F. Martin, Professeure")
    assert listed(gva_s4, "introduction").startswith("Mme Cécile Riallant")
    assert "?" not in listed(gva_s4, "speaker")  # the questions of the session are no one
    assert "acteurs nationaux concernés" in gva_s4.text  # stray bullet glued back
    assert listed(at(report_blocks, 923), "moderator").startswith("M. William Lacy Swing")
    assert listed(at(report_blocks, 1016), "presenter").startswith("M. Azzouz Samri")
    # bullets with a civility and no label are speakers (the opening, the closing remarks)
    assert listed(at(report_blocks, 1030), "speaker").startswith("Mme Laura Thompson")
    # split mid-sentence continuation rows belong to the same session
    assert at(report_blocks, 944) is at(report_blocks, 947)
    assert at(report_blocks, 1009) is at(report_blocks, 1013)


def test_agenda_rationale_is_paragraph(report_blocks):
    b = at(report_blocks, 916)
    assert b.kind == "paragraph"
    assert b.section[0].startswith("ORDRE DU JOUR FINAL") and "New York" in b.section[0]
    g = at(report_blocks, 982)
    assert g.kind == "paragraph" and g.lines == (982, 984)


# --------------------------------------------------------------------------- invariants


def test_every_nonblank_line_covered_exactly_once(report_blocks, report_lines):
    assert_every_line_once(report_blocks, report_lines)


def test_blocks_verbatim(report_blocks, report_lines):
    assert_blocks_verbatim(report_blocks, report_lines)


def test_blocks_sorted(report_blocks):
    starts = [b.lines[0] for b in report_blocks]
    assert starts == sorted(starts)


# --------------------------------------------------------------------------- synthetic


SYNTHETIC = """\
INTRODUCTION

This report summarises the workshop held in Geneva¹ on the role of

² A footnote in the middle.

¹ Workshop website.

partnerships in migration governance. It also lists recommendations.

Regional processes

Many States described regional consultative processes, which build trust and

Trust among governments is the main outcome of such processes.

CONCLUSIONS

Partnerships matter.
"""


def test_synthetic_document():
    bs = parse_document(SYNTHETIC)
    kinds = [(b.kind, b.lines) for b in bs]
    assert ("heading", (1, 1)) in kinds
    intro = [b for b in bs if b.lines == (3, 9)]
    assert intro and intro[0].kind == "paragraph"
    assert intro[0].text.endswith("It also lists recommendations.")
    assert intro[0].footnote_refs == ("1",)
    notes = {b.marker: b for b in bs if b.kind == "footnote"}
    assert set(notes) == {"1", "2"}
    assert notes["1"].meta["ref_lines"] == "3-9"
    sub = [b for b in bs if b.text == "Regional processes"]
    assert sub and sub[0].kind == "heading"
    rp = [b for b in bs if b.lines[0] == 13]
    assert rp[0].section == ("INTRODUCTION", "Regional processes")
    # "and" ends the line but the next line starts with a capital: joined (cut after "and")
    assert rp[0].lines == (13, 15)
    last = bs[-1]
    assert last.section == ("CONCLUSIONS",) and last.text == "Partnerships matter."


def test_synthetic_no_join_on_new_paragraph():
    text = "Un paragraphe qui se termine sans point final\n\nM. Dupont a pris la parole.\n"
    bs = parse_document(text)
    assert [b.lines for b in bs] == [(1, 1), (3, 3)]


def test_empty_document():
    assert parse_document("") == []
    assert parse_document("\n\n") == []


# --------------------------------------------------------------------------- section modes


#: A top-level heading for every row of ``data/section_modes.tsv``, and the mode it opens.
MODE_HEADINGS = {
    "ORDRE DU JOUR": Mode.AGENDA,
    "PROGRAMME": Mode.AGENDA,
    "AGENDA": Mode.AGENDA,
    "FINAL AGENDA": Mode.AGENDA,
    "ORDEN DEL DÍA": Mode.AGENDA,
    "MESSAGES CLÉS": Mode.KEY_MESSAGES,
    "KEY MESSAGES": Mode.KEY_MESSAGES,
    "RECOMMANDATIONS": Mode.RECOMMENDATIONS,
    "RECOMMENDATIONS": Mode.RECOMMENDATIONS,
    "SÉRIE": Mode.SERIES,
    "SERIES": Mode.SERIES,
    "THE INTERNATIONAL DIALOGUE ON MIGRATION SERIES": Mode.SERIES,
}

#: Per mode: text under a top-level heading, one of its lines, and a test of that line's
#: block that only the mode passes.
MODE_WITNESSES = {
    Mode.KEY_MESSAGES: (
        "1. Il faut développer les partenariats.",
        3,
        lambda b: b.kind == "key_message",
    ),
    Mode.RECOMMENDATIONS: (
        "1. Renforcer les partenariats\n\nLes États devraient coopérer avec les villes.",
        3,
        lambda b: b.kind == "recommendation" and b.lines == (3, 5),
    ),
    Mode.SERIES: (
        "1. Le dialogue international sur la migration et le développement, 2001.",
        3,
        lambda b: b.kind == "series",
    ),
    Mode.AGENDA: (
        "Première journée\n\n10 h - 11 h\tSession 1 : Ouverture",
        5,
        lambda b: b.kind == "agenda" and b.meta.get("day") == "Première journée",
    ),
}


def test_every_section_mode_row_has_a_heading():
    for mode, pattern in SECTION_HEADINGS:
        named = [h for h, m in MODE_HEADINGS.items() if m is mode]
        assert any(re.match(rf"({pattern})\b", h, re.I) for h in named), (mode, pattern)
    assert {mode for mode, _ in SECTION_HEADINGS} == set(MODE_WITNESSES)


#: Top-level headings outside the table, and the mode they open.
OTHER_HEADINGS = {
    "INTRODUCTION": Mode.BODY,
    "CONCLUSIONS": Mode.BODY,
    "Messages clés du Dialogue international sur la migration": Mode.KEY_MESSAGES,
    "Key messages of the dialogue": Mode.KEY_MESSAGES,
}


@pytest.mark.parametrize(("heading", "expected"), [*MODE_HEADINGS.items(), *OTHER_HEADINGS.items()])
def test_section_heading_sets_the_mode(heading, expected):
    """Under ``heading`` the parser reads text as its mode does, and as no other mode does."""
    seen = set()
    for mode, (body, line, reads_as) in MODE_WITNESSES.items():
        blocks = parse_document(f"{heading}\n\n{body}\n")
        assert blocks[0].kind == "heading" and blocks[0].lines == (1, 1)
        if reads_as(at(blocks, line)):
            seen.add(mode)
    assert seen == {expected} - {Mode.BODY}


def test_back_matter_after_the_series_list():
    """What follows the series list is back-cover matter, whatever it looks like."""
    text = "SÉRIE\n\n1. Le dialogue sur la migration, 2001.\n\nImprimé en Suisse pour l'OIM.\n"
    assert [b.kind for b in parse_document(text)] == ["heading", "series", "front_matter"]


# --------------------------------------------------------------------------- sentences


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in iter_sentences(text)]


def test_iter_sentences_abbreviations():
    text = (
        "M. Swing a ouvert la séance. Mme Arbour, p. ex. dans son discours, a cité "
        "l'art. 1.1 e) de la Constitution et le n° 28. Elle a conclu ! Susan F. Martin "
        "a répondu. Dr. Guerra aussi."
    )
    assert sentences(text) == [
        "M. Swing a ouvert la séance.",
        "Mme Arbour, p. ex. dans son discours, a cité l'art. 1.1 e) de la Constitution "
        "et le n° 28.",
        "Elle a conclu !",
        "Susan F. Martin a répondu.",
        "Dr. Guerra aussi.",
    ]


def test_iter_sentences_spans_and_quotes():
    text = "Il a dit : « Nous devons agir. » Puis il est parti.²⁷ The end?  Yes."
    spans = iter_sentences(text)
    out = [text[a:b] for a, b in spans]
    assert out == ["Il a dit : « Nous devons agir. »", "Puis il est parti.²⁷", "The end?", "Yes."]
    assert all(text[a:b] == text[a:b].strip() for a, b in spans)
    assert iter_sentences("") == []
    assert sentences("a\nb") == ["a", "b"]


def test_iter_sentences_list_numbers():
    assert sentences("7. Promouvoir le dialogue. Fin.") == ["7. Promouvoir le dialogue.", "Fin."]
    assert sentences("- a. Un pôle.\n- b. Un fonds.") == ["- a. Un pôle.", "- b. Un fonds."]
    assert sentences("3. **Il faut agir.** Oui.") == ["3. **Il faut agir.**", "Oui."]

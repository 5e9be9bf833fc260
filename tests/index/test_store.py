import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from idmqa.fsutil import sha256_file
from idmqa.index.build import build_index
from idmqa.index.store import IndexUnavailable, check_index, current_build, load_index
from idmqa.service import QAService
from idmqa.settings import Settings
from tests.helpers import free_port, start_server


def test_manifest_describes_the_build(manifest: dict, encoder) -> None:
    assert manifest["model"] == encoder.name
    assert len(manifest["model_fingerprint"]) == 64
    assert len(manifest["corpus_sha256"]) == 64
    assert manifest["counts"]["passages"] > 300
    assert manifest["counts"]["documents"] == 1
    assert {"dense.faiss", "passages.jsonl"} <= set(manifest["files"])
    assert manifest["chunker_version"]


def test_loaded_index_matches_manifest(settings: Settings, encoder, manifest: dict) -> None:
    index = load_index(settings.index_dir, encoder.name, encoder.fingerprint)
    assert len(index.passages) == index.dense.ntotal == manifest["counts"]["passages"]
    assert index.passages[0].lines[0] <= index.passages[-1].lines[0]


def test_other_model_is_refused_with_a_clear_message(settings: Settings, manifest: dict) -> None:
    with pytest.raises(IndexUnavailable, match=r"built with model .* rebuild"):
        load_index(settings.index_dir, "intfloat/multilingual-e5-small", "f" * 64)


def _copy_index(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_corrupt_or_missing_files_are_refused(
    settings: Settings, encoder, manifest: dict, tmp_path: Path
) -> None:
    copy = _copy_index(settings.index_dir, tmp_path / "idx")
    build = current_build(copy)
    with (build / "passages.jsonl").open("a") as fh:
        fh.write("{}\n")
    with pytest.raises(IndexUnavailable, match="corrupt"):
        load_index(copy, encoder.name, encoder.fingerprint)
    (build / "dense.faiss").unlink()
    with pytest.raises(IndexUnavailable, match="missing"):
        load_index(copy, encoder.name, encoder.fingerprint)
    with pytest.raises(IndexUnavailable, match="no index"):
        load_index(tmp_path / "empty", encoder.name, encoder.fingerprint)


def test_failed_build_leaves_the_previous_index_serving(
    settings: Settings, encoder, manifest: dict, tmp_path: Path
) -> None:
    copy = _copy_index(settings.index_dir, tmp_path / "idx")
    before = (copy / "CURRENT").read_text()
    bad_corpus = tmp_path / "corpus"
    bad_corpus.mkdir()
    (bad_corpus / "broken.txt").write_bytes(b"\xff\xfe\x00binary")
    broken = Settings(corpus_dir=bad_corpus, index_dir=copy)
    with pytest.raises(IndexUnavailable, match=r"broken\.txt"):
        build_index(broken, encoder)
    assert (copy / "CURRENT").read_text() == before
    index = load_index(copy, encoder.name, encoder.fingerprint)
    assert len(index.passages) == manifest["counts"]["passages"]


def test_rebuild_swaps_to_a_new_build_and_documents_get_their_own_citations(
    encoder, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.md").write_text(
        "NOTE DE TEST\n\nLe fonds d'amorçage finance des projets pilotes sur la migration.\n",
        encoding="utf-8",
    )
    (corpus / "note.json").write_text(json.dumps({"title": "Note de test", "language": "fr"}))
    small = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    build_index(small, encoder)
    first = current_build(small.index_dir)
    build_index(small, encoder)
    second = current_build(small.index_dir)
    assert first != second
    index = load_index(small.index_dir, encoder.name, encoder.fingerprint)
    assert {p.document for p in index.passages} == {"note"}
    assert index.documents["note"]["title"] == "Note de test"


def test_sigkill_mid_build_leaves_the_previous_index_serving(
    settings: Settings, encoder, manifest: dict, tmp_path: Path
) -> None:
    copy = _copy_index(settings.index_dir, tmp_path / "idx")
    before = (copy / "CURRENT").read_text()
    known = set((copy / "builds").iterdir())
    env = {**os.environ, "IDMQA_INDEX_DIR": str(copy), "IDMQA_CORPUS_DIR": str(settings.corpus_dir)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "idmqa.cli", "index"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    # Kill it the moment it starts writing its new build directory.
    while time.monotonic() < deadline and proc.poll() is None:
        if set((copy / "builds").iterdir()) - known:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    # Whenever the kill landed, CURRENT names a complete build that loads and verifies.
    index = load_index(copy, encoder.name, encoder.fingerprint)
    assert len(index.passages) == manifest["counts"]["passages"]
    if proc.returncode == -signal.SIGKILL and (copy / "CURRENT").read_text() != before:
        assert (index.path / "manifest.json").exists()


def _manifest(build: Path) -> dict:
    return json.loads((build / "manifest.json").read_text())


def _write_manifest(build: Path, manifest: object) -> None:
    (build / "manifest.json").write_text(json.dumps(manifest))


def _edit_passages(build: Path) -> None:
    """An edited passage: the answer a tampered build would serve."""
    path = build / "passages.jsonl"
    path.write_text(path.read_text().replace("MiGOF", "FORGED", 1))


def _drop_files(copy: Path, build: Path) -> None:
    _edit_passages(build)
    _write_manifest(build, {k: v for k, v in _manifest(build).items() if k != "files"})


def _drop_one_file(copy: Path, build: Path) -> None:
    _edit_passages(build)
    manifest = _manifest(build)
    del manifest["files"]["passages.jsonl"]
    _write_manifest(build, manifest)


def _extra_file(copy: Path, build: Path) -> None:
    (build / "bm25" / "extra.json").write_text("{}")


def _symlink_to_a_device(copy: Path, build: Path) -> None:
    (build / "zero").symlink_to("/dev/zero")
    manifest = _manifest(build)
    manifest["files"]["zero"] = "0" * 64
    _write_manifest(build, manifest)


def _current_climbs_out(copy: Path, build: Path) -> None:
    outside = copy.parent / "elsewhere"
    shutil.copytree(build, outside)
    (copy / "CURRENT").write_text("../../elsewhere\n")


def _manifest_is_a_list(copy: Path, build: Path) -> None:
    _write_manifest(build, [1, 2, 3])


@pytest.mark.parametrize(
    ("tamper", "says"),
    [
        (_drop_files, "lists no files"),
        (_drop_one_file, "does not list passages.jsonl"),
        (_extra_file, "not listed in the manifest"),
        (_symlink_to_a_device, "not a regular file"),
        (_current_climbs_out, "does not name a build"),
        (_manifest_is_a_list, "not a JSON object"),
    ],
)
def test_tampered_builds_are_refused(
    settings: Settings, encoder, manifest: dict, tmp_path: Path, tamper, says: str
) -> None:
    """Attack 7: without `files` (or one entry) an edited passages.jsonl was served; CURRENT
    climbing out of builds/ served a build from elsewhere; a list manifest gave a traceback."""
    copy = _copy_index(settings.index_dir, tmp_path / "idx")
    tamper(copy, current_build(copy))
    with pytest.raises(IndexUnavailable, match=says):
        check_index(copy, encoder.name, encoder.fingerprint)


def _device_entry(build: Path) -> None:
    manifest = _manifest(build)
    manifest["files"]["../../../../../../../../dev/zero"] = "0" * 64
    _write_manifest(build, manifest)


def _rehashed_corrupt_file(build: Path) -> None:
    """A file replaced and its new hash written into the manifest: it verifies, never loads."""
    vectors = build / "sentence_vectors.npy"
    vectors.write_bytes(b"\x93NUMPY garbage" + bytes(200))
    manifest = _manifest(build)
    manifest["files"]["sentence_vectors.npy"] = sha256_file(vectors)
    _write_manifest(build, manifest)


@pytest.mark.parametrize(
    ("tamper", "says"),
    [(_device_entry, "outside its build"), (_rehashed_corrupt_file, "cannot be loaded")],
)
def test_serve_refuses_a_doubtful_build_in_one_line(
    settings: Settings, manifest: dict, tmp_path: Path, tamper, says: str
) -> None:
    """Attack 7: a `files` entry naming /dev/zero hung the start; a re-hashed corrupt file
    started and answered 503 for ever."""
    copy = _copy_index(settings.index_dir, tmp_path / "idx")
    tamper(current_build(copy))
    proc = start_server({"IDMQA_INDEX_DIR": str(copy)}, free_port())
    try:
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 1
    refusals = [line for line in err.splitlines() if line.startswith("idmqa serve:")]
    assert len(refusals) == 1 and says in refusals[0], err[-2000:]
    assert "Traceback" not in err


def test_files_changed_after_loading_are_seen(
    settings: Settings, encoder, manifest: dict, tmp_path: Path
) -> None:
    """What /ready reports: a change on disk, and whether it reaches the answers (only when
    the changed file is memory-mapped, IDMQA_MMAP_INDEX=true)."""
    copy = _copy_index(settings.index_dir, tmp_path / "idx")
    read = QAService(settings, encoder, load_index(copy, encoder.name, encoder.fingerprint, False))
    mapped = QAService(settings, encoder, load_index(copy, encoder.name, encoder.fingerprint, True))
    assert read.index_changes() == mapped.index_changes() == ([], True)
    os.utime(current_build(copy) / "dense.faiss", ns=(1, 1))
    assert read.index_changes() == (["dense.faiss"], True)
    assert mapped.index_changes() == (["dense.faiss"], False)

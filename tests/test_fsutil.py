from pathlib import Path

import pytest

from idmqa.fsutil import staged_dir


def test_staged_dir_publishes_whole_and_replaces_the_old(tmp_path: Path) -> None:
    target = tmp_path / "model"
    for version in ("1", "2"):
        with staged_dir(target) as tmp:
            (tmp / "weights").write_text(version)
            assert not (target / "weights").exists() or (target / "weights").read_text() != version
    assert (target / "weights").read_text() == "2"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_failed_build_leaves_the_target_and_no_leftovers(tmp_path: Path) -> None:
    target = tmp_path / "model"
    with staged_dir(target) as tmp:
        (tmp / "weights").write_text("good")
    (tmp_path / ".model.tmp-crashed").mkdir()  # what a killed process leaves behind
    with pytest.raises(RuntimeError), staged_dir(target) as tmp:
        (tmp / "weights").write_text("half")
        raise RuntimeError("conversion failed")
    assert (target / "weights").read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]

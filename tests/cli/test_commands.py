"""The ``idmqa`` console commands, run as real processes."""

import json
import os
import subprocess
import sys

from idmqa.settings import Settings
from tests.helpers import ATTRIBUTION_SAMPLE, free_port


def _idmqa(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "IDMQA_INDEX_DIR": str(settings.index_dir),
        "IDMQA_CORPUS_DIR": str(settings.corpus_dir),
    }
    return subprocess.run(
        [sys.executable, "-m", "idmqa.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_ask_prints_cited_passages(settings: Settings, manifest: dict) -> None:
    out = _idmqa(settings, "ask", "Qu'est-ce que le MiGOF ?", "-k", "2")
    assert out.returncode == 0, out.stderr
    assert "1. " in out.stdout and "2. " in out.stdout and "lines" in out.stdout


def test_ask_json(settings: Settings, manifest: dict) -> None:
    out = _idmqa(settings, "ask", "--json", "-k", "3", "What is the seed fund?")
    body = json.loads(out.stdout)
    assert body["language"] == "en" and len(body["passages"]) == 3
    assert body["passages"][0]["citation"]["lines"][0] >= 1


def test_ask_output_is_whole_though_the_process_skips_its_teardown(
    settings: Settings, manifest: dict
) -> None:
    # tens of kilobytes through a pipe: everything buffered is flushed before the exit
    out = _idmqa(settings, "ask", "--json", "-k", "20", "Qui a financé l'IDM 2018 ?")
    assert out.returncode == 0, out.stderr
    assert len(out.stdout) > 16_384 and len(json.loads(out.stdout)["passages"]) == 20


def test_eval_prints_metrics_and_misses(settings: Settings, manifest: dict, tmp_path) -> None:
    qs = tmp_path / "q.jsonl"
    qs.write_text(
        json.dumps(
            {
                "id": "a",
                "lang": "fr",
                "type": "fact",
                "question": "Quand l'OIM a-t-elle lancé l'IDM ?",
                "gold": ["L'OIM a lancé son Dialogue international"],
            }
        )
        + "\n"
        + json.dumps(
            {
                "id": "b",
                "lang": "en",
                "type": "fact",
                "question": "What is the capital of Peru?",
                "gold": ["Lima est la capitale"],
            }
        )
        + "\n"
    )
    out = _idmqa(settings, "eval", str(qs), "--json", str(tmp_path / "m.json"))
    assert out.returncode == 0, out.stderr
    assert "hit@5" in out.stdout and "lang=fr" in out.stdout
    assert "misses at k=5: 1" in out.stdout and "Peru" in out.stdout
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert metrics["all"]["hit@10"] == 0.5


def test_ask_after_reads_the_question_as_a_follow_up(settings: Settings, manifest: dict) -> None:
    first = "Qu'a dit António Vitorino sur la société civile ?"
    out = _idmqa(settings, "ask", "-k", "2", "--after", first, "Et", "M.", "Lauber", "?")
    assert out.returncode == 0, out.stderr
    assert "interpreted as: Qu'a dit Jürg Lauber sur la société civile ?" in out.stdout
    out = _idmqa(
        settings, "ask", "--json", "--after", "Qui a présidé ?", "--after", first, "Et M. Lauber ?"
    )
    body = json.loads(out.stdout)
    assert body["interpreted_as"] == "Qu'a dit Jürg Lauber sur la société civile ?"
    assert body["facets"]["speakers"]


def test_ask_after_refuses_bad_earlier_questions(tmp_path) -> None:
    """Refused before the model and index load: no index needed."""
    env = {**os.environ, "IDMQA_INDEX_DIR": str(tmp_path / "none")}
    for after in (["--after", "  "], ["--after", "q"] * 11):
        out = subprocess.run(
            [sys.executable, "-m", "idmqa.cli", "ask", *after, "question"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 2 and out.stderr.startswith("idmqa ask: --after: history")
        assert "Traceback" not in out.stderr


def test_eval_conversations_compares_the_follow_ups_with_and_without_history(
    settings: Settings, manifest: dict, tmp_path
) -> None:
    conversations = tmp_path / "c.jsonl"
    conversations.write_text(
        json.dumps(
            {
                "id": "c1",
                "lang": "fr",
                "type": "person_switch",
                "history": ["Qu'a dit António Vitorino sur la société civile ?"],
                "question": "Et M. Lauber ?",
                "gold": ["le succès du pacte mondial est le résultat d'une approche globale"],
            },
            ensure_ascii=False,
        )
        + "\n"
    )
    out = _idmqa(
        settings, "eval", "--conversations", str(conversations), "--json", str(tmp_path / "m.json")
    )
    assert out.returncode == 0, out.stderr
    assert "alone" in out.stdout and "concatenated" in out.stdout and "history" in out.stdout
    assert "type=person_switch" in out.stdout
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert set(metrics) == {"alone", "concatenated", "history"}
    assert metrics["history"]["all"]["n"] == 1
    nothing = _idmqa(settings, "eval")
    assert nothing.returncode == 2 and "--conversations" in nothing.stderr


def test_eval_attribution_prints_recall_precision_misses(
    settings: Settings, manifest: dict, tmp_path
) -> None:
    out = _idmqa(
        settings, "eval-attribution", str(ATTRIBUTION_SAMPLE), "--json", str(tmp_path / "a.json")
    )
    assert out.returncode == 0, out.stderr
    assert "recall    0.833  (5/6)" in out.stdout and "continued" in out.stdout
    assert "unknown to the people index: Nobody Atall" in out.stdout
    assert "misses: 1" in out.stdout and "false attributions:" in out.stdout
    metrics = json.loads((tmp_path / "a.json").read_text())
    assert metrics["recall"] == {"found": 5, "total": 6}
    assert metrics["by_how"]["title"] == {"found": 1, "total": 1}


def test_errors_are_one_line_with_nonzero_exit(tmp_path) -> None:
    settings = Settings(index_dir=tmp_path / "none")
    out = _idmqa(settings, "ask", "anything")
    assert out.returncode == 1
    assert "no index" in out.stderr and "Traceback" not in out.stderr
    missing = _idmqa(settings, "eval", str(tmp_path / "missing.jsonl"))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr


def test_invalid_settings_refuse_the_start_naming_them(settings: Settings, manifest: dict) -> None:
    """Attack 10: IDMQA_RATE_LIMIT="lots" started a server that answered 500 to everything,
    /health included."""
    env = {
        **os.environ,
        "IDMQA_RATE_LIMIT": "lots",
        "IDMQA_TRUSTED_PROXIES": "not-an-address",
        "IDMQA_INDEX_DIR": str(settings.index_dir),
    }
    command = [sys.executable, "-m", "idmqa.cli", "serve", "--port", str(free_port())]
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1, out.stderr
    assert "IDMQA_RATE_LIMIT" in out.stderr and "IDMQA_TRUSTED_PROXIES" in out.stderr
    assert "lots" not in out.stderr  # a setting's value may be a secret: never printed

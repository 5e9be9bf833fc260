"""The ``idmqa`` sub-commands. Each imports what it needs when it runs: ``serve``, ``ask``,
``eval`` and ``speakers`` load a published index and never import index building."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from pathlib import Path

from idmqa.settings import Settings, get_settings


def cmd_index(args: argparse.Namespace) -> int:
    try:
        import sentence_transformers  # noqa: F401
        import torch  # noqa: F401
    except ImportError as exc:
        print(
            f"idmqa index: {exc.name or exc} is not installed: building needs the build extra "
            "(pip install 'idmqa[build]'; in containers, the image's build stage: "
            "docker build --target build)",
            file=sys.stderr,
        )
        return 1
    from idmqa.index.build import build_index
    from idmqa.model.encoder import Encoder
    from idmqa.runtime import configure_threads

    settings = get_settings()
    configure_threads(settings)
    manifest = build_index(settings, Encoder(settings), progress=sys.stderr.isatty())
    counts = manifest["counts"]
    print(
        f"indexed {counts['passages']} passages from {counts['documents']} document(s) "
        f"in {manifest['seconds']} s with {manifest['model']} → {settings.index_dir}"
    )
    inc = manifest.get("incremental")
    if inc:
        docs, passages = inc["documents"], inc["passages"]
        print(
            f"documents: {docs['unchanged']} unchanged, {docs['changed']} changed, "
            f"{docs['new']} new, {docs['removed']} removed; passages: {passages['reused']} "
            f"reused, {passages['embedded']} embedded; sentences: "
            f"{inc['sentences']['reused']} reused, {inc['sentences']['embedded']} embedded; "
            f"dense index: {manifest.get('dense', {}).get('type', 'flat')}"
        )
    for problem in manifest["skipped"]:
        print(f"skipped: {problem}", file=sys.stderr)
    return 0


def _prepare_index(settings: Settings) -> None:
    """Build the index (and export the model) in a child process when they are missing, so
    that the serving process never imports the build code, torch included."""
    from idmqa.index.store import IndexUnavailable, check_index
    from idmqa.model.exported import cached_fingerprint, export_is_current
    from idmqa.model.store import model_fingerprint, model_path

    model_dir = Path(model_path(settings))
    fingerprint = cached_fingerprint(model_dir)
    reason = None
    if settings.query_encoder != "torch" and not (
        fingerprint and export_is_current(model_dir, fingerprint)
    ):
        reason = "the model is not converted and exported yet"
    elif not (settings.index_dir / "CURRENT").exists():
        reason = "no index yet"
    if reason:
        print(f"{reason}: building it first (idmqa index)", file=sys.stderr)
        if subprocess.run([sys.executable, "-m", "idmqa.cli", "index"], check=False).returncode:
            raise IndexUnavailable("building the index failed (see above)")
        fingerprint = cached_fingerprint(model_dir)
    # Refuse a corrupt, truncated or mismatched index before listening, not after.
    check_index(settings.index_dir, settings.model, fingerprint or model_fingerprint(model_dir))


def _open_service(settings: Settings, eager: bool = True):
    """The QA service for a command of this process (threads pinned first)."""
    from idmqa.runtime import configure_threads
    from idmqa.service import open_service

    configure_threads(settings)
    return open_service(settings, eager)


def cmd_serve(args: argparse.Namespace) -> int:
    from idmqa.api.server import ensure_file_limit, serve
    from idmqa.runtime import configure_server_logging, configure_threads

    settings = get_settings()
    ensure_file_limit(settings)
    _prepare_index(settings)
    workers = args.workers or settings.workers
    host, port = args.host or settings.host, args.port or settings.port
    if workers > 1:
        from idmqa.cli.workers import serve_workers, worker_settings

        return serve_workers(worker_settings(settings), workers, host, port)
    # Imported only here: with workers, prometheus_client must be imported after
    # serve_workers has set its multiprocess directory.
    from idmqa.api.app import create_app

    configure_server_logging(settings)
    configure_threads(settings)
    app = create_app(settings)
    # Loaded before listening: a build that verifies but does not load is refused here, with
    # one line and exit status 1, not served as 503 for ever.
    app.state.holder.load()
    serve(app, settings, host=host, port=port)
    return 0


_BOLD, _PLAIN = "\033[1m", "\033[0m"


def _emphasise(text: str, spans: tuple[tuple[int, int], ...], tty: bool) -> str:
    """Mark highlighted spans: bold on a terminal, ``**…**`` elsewhere."""
    start_mark, end_mark = (_BOLD, _PLAIN) if tty else ("**", "**")
    out, cursor = [], 0
    for start, end in spans:
        out += [text[cursor:start], start_mark, text[start:end], end_mark]
        cursor = end
    return "".join([*out, text[cursor:]])


def _print_answer(answer: dict, as_json: bool) -> None:
    """An ``AskResponse`` (from this process or from a server) as text or JSON."""
    if as_json:
        print(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    tty = sys.stdout.isatty()
    print(f"[{answer['language']}] {answer['question']}  ({answer['took_ms']} ms)")
    if answer.get("interpreted_as"):
        print(f"interpreted as: {answer['interpreted_as']}")
    print()
    for hit in answer["passages"]:
        c = hit["citation"]
        who = ", ".join(
            s["name"] if s["role"] == "speaker" else f"{s['name']} ({s['role']})"
            for s in c["speakers"]
        )
        who = f"  people: {who}" if who else ""
        print(
            f"{hit['rank']}. {c['title']} — {c['section'] or '(no section)'} "
            f"[{c['kind']}, lines {c['lines'][0]}–{c['lines'][1]}]  score {hit['score']:.4f}{who}"
        )
        spans = tuple(tuple(span) for span in hit["highlights"])
        body = _emphasise(hit["text"], spans, tty)
        print(textwrap.indent(textwrap.fill(body, 100), "   "), end="\n\n")


def _ask_locally(settings: Settings, question: str, k: int | None, after: list[str]) -> dict:
    """Load the model and index in this process (the people lookup only if a follow-up
    needs it)."""
    from idmqa.retrieval.questions import Asked, InvalidQuestion, check_history, check_question

    # Refuse a blank or malformed question before paying for loading the model and index;
    # the token limit needs the model's tokenizer, so it is checked once loaded.
    question = check_question(question, settings.max_question_chars)
    try:
        history = check_history([Asked(q) for q in after], settings.max_question_chars)
    except InvalidQuestion as exc:
        raise InvalidQuestion(f"--after: {exc}") from exc
    from idmqa.model.query import onnx_query_encoder
    from idmqa.runtime import configure_threads

    configure_threads(settings)
    # Started before the service's modules are imported (~0.15 s): the ONNX session loads
    # in its thread meanwhile (the torch encoder is the service's to open).
    encoder = onnx_query_encoder(settings) if settings.query_encoder != "torch" else None
    from idmqa.api.shaping import answer_json
    from idmqa.service import open_service

    service = open_service(settings, eager=False, encoder=encoder)
    result = service.ask(service.checked_question(question), k, history=history)
    return answer_json(service, result)


def cmd_ask(args: argparse.Namespace) -> int:
    from idmqa.cli.remote import Rejected, ask_server

    settings = get_settings()
    question = " ".join(args.question)
    try:
        answer = None
        if settings.ask_via_server and not args.local:
            answer = ask_server(settings, question, args.k, args.after)
        if answer is None:
            from idmqa.retrieval.questions import InvalidQuestion

            try:
                answer = _ask_locally(settings, question, args.k, args.after)
            except InvalidQuestion as exc:
                raise Rejected(str(exc)) from exc
    except Rejected as exc:
        print(f"idmqa ask: {exc}", file=sys.stderr)
        return 2
    _print_answer(answer, args.json)
    return 0


def _parse_overrides(pairs: list[str]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"--set expects KEY=VALUE, got {pair!r}")
        overrides[key.strip()] = value.strip()
    return overrides


def cmd_eval(args: argparse.Namespace) -> int:
    from idmqa.evaluation import evaluate, load_conversations, load_questions

    if not args.file and not args.conversations:
        print("idmqa eval: give question sets, --conversations, or both", file=sys.stderr)
        return 2
    sets = {Path(name).name: load_questions(Path(name)) for name in args.file}
    conversations = load_conversations(Path(args.conversations)) if args.conversations else []
    service = _open_service(get_settings())
    variant = None
    if args.set:
        # Validate through the settings model so a typo'd key or value fails loudly.
        overrides = _parse_overrides(args.set)
        checked = Settings.model_validate({**service.settings.model_dump(), **overrides})
        variant = service.variant(**{k: getattr(checked, k) for k in overrides})
        print(f"variant: {' '.join(args.set)}")

    def run(svc, questions):
        def retrieve(question: str):
            result = svc.ask(question, 10)
            return [h.passage for h in result.hits], result.answerable

        return evaluate(questions, retrieve)

    def report_set(name: str, questions, misses_at: int = 5) -> dict:
        compared = run(variant, questions) if variant else None
        return _report_set(name, run(service, questions), compared, misses_at)

    report = {name: report_set(name, questions) for name, questions in sets.items()}
    if len(sets) > 1:
        every = [q for questions in sets.values() for q in questions]
        report["all"] = report_set(" + ".join(sets), every, misses_at=0)
    if conversations:
        report[Path(args.conversations).name] = _report_conversations(
            service, args.conversations, conversations
        )
    if args.json:
        single = report[next(iter(report))] if len(report) == 1 else report
        Path(args.json).write_text(json.dumps(single, indent=2))
    return 0


def _report_conversations(service, name: str, conversations) -> dict:
    """Print the follow-ups' metrics searched alone, concatenated and with the history, and
    the misses with the history; their metrics for ``--json``."""
    from idmqa.evaluation import (
        CONVERSATION_MODES,
        breakdown,
        evaluate_conversations,
        format_conversations,
    )
    from idmqa.retrieval.questions import Asked

    read: dict[str, str | None] = {}

    def earlier(conversation) -> tuple[Asked, ...]:
        # each earlier question asked as the widget asks it: its passages come with it
        return tuple(
            Asked(q, tuple(h.passage.id for h in service.ask(q).hits)) for q in conversation.history
        )

    def retrieve(mode: str):
        def run(conversation):
            question = conversation.question.question
            if mode == "alone":
                result = service.ask(question, 10)
            elif mode == "concatenated":
                result = service.ask(" ".join([*conversation.history, question]), 10)
            else:
                result = service.ask(question, 10, history=earlier(conversation))
                read[conversation.question.id] = result.interpreted_as
            return [h.passage for h in result.hits], result.answerable

        return run

    outcomes = {m: evaluate_conversations(conversations, retrieve(m)) for m in CONVERSATION_MODES}
    tables = {mode: breakdown(found) for mode, found in outcomes.items()}
    print(f"\n== {name} (follow-up questions)")
    print(format_conversations(tables))
    misses = [o for o in outcomes["history"] if o.rank is None or o.rank > 5]
    print(f"\nmisses with the history at k=5: {len(misses)}")
    for o in misses:
        q = o.question
        asked = " / ".join(next(c.history for c in conversations if c.question is q))
        print(f"- {q.id} [{q.lang}/{q.type}] {asked} → {q.question}\n    read as: {read[q.id]}")
    return tables


def _report_set(name: str, outcomes, variant_outcomes, misses_at: int) -> dict:
    """Print one question set's table (and misses); its metrics for ``--json``."""
    from idmqa.evaluation import breakdown, format_misses, format_table

    table = breakdown(outcomes)
    other = breakdown(variant_outcomes) if variant_outcomes else None
    print(f"\n== {name}")
    print(format_table(table, other))
    if misses_at:
        print(format_misses(outcomes, k=misses_at))
    return {"base": table, "variant": other} if other else table


def cmd_eval_attribution(args: argparse.Namespace) -> int:
    from idmqa.evaluation import evaluate_attribution, format_attribution, load_statements

    gold = load_statements(Path(args.file))
    service = _open_service(get_settings())
    report = evaluate_attribution(gold, service.people, service.passages)
    print(format_attribution(report, service.people))
    if args.json:
        hows = sorted({g.how for g in gold})
        metrics = {
            "recall": dict(zip(("found", "total"), report.recall(), strict=True)),
            "by_how": {
                h: dict(zip(("found", "total"), report.recall(h), strict=True)) for h in hows
            },
            "precision": dict(zip(("correct", "total"), report.precision(), strict=True)),
        }
        Path(args.json).write_text(json.dumps(metrics, indent=2))
    return 0


def cmd_speakers(args: argparse.Namespace) -> int:
    service = _open_service(get_settings())
    name = " ".join(args.name).strip()
    if not name:
        people = service.speakers()
        for p in people:
            role = p.roles[0] if p.roles else ""
            print(f"{p.id:<34} {p.name:<30} {len(p.statements):>3} statement(s)  {role[:70]}")
        print(f"\n{len(people)} people")
        return 0
    person = service.person(name)
    if person is None:
        matches = service.speakers(name)
        if not matches:
            nearest = ", ".join(p.name for p in service.suggestions(name))
            hint = f"; did you mean {nearest}?" if nearest else ""
            print(f"idmqa speakers: nobody matches {name!r}{hint}", file=sys.stderr)
            return 1
        print(f"{name!r} is ambiguous:", file=sys.stderr)
        for p in matches:
            print(f"  {p.id:<34} {p.name}", file=sys.stderr)
        return 1
    print(f"{person.name}  [{person.id}]")
    for role in person.roles:
        print(f"  role: {role}")
    if person.countries:
        print(f"  countries: {', '.join(person.countries)}")
    if person.workshops:
        print(f"  workshops: {' / '.join(person.workshops)}")
    for a in person.agenda:
        print(f"  agenda: {a.role} — {a.workshop}, {a.day}, {a.time}: {a.session[:80]}")
    statements = service.statements(person.id)
    print(f"\n{len(statements)} statement(s):\n")
    for n, passage in enumerate(statements, 1):
        c = service.citation(passage)
        print(f"{n}. {c.section or '(no section)'} [{c.kind}, lines {c.lines[0]}–{c.lines[1]}]")
        print(textwrap.indent(textwrap.fill(passage.text, 100), "   "), end="\n\n")
    return 0

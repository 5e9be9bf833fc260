"""The ``idmqa`` command: index, serve, ask, eval, eval-attribution, speakers, mcp,
verify-eval, feedback."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys

from pydantic import ValidationError

from idmqa.cli.commands import (
    cmd_ask,
    cmd_eval,
    cmd_eval_attribution,
    cmd_index,
    cmd_serve,
    cmd_speakers,
)
from idmqa.cli.feedback import add_parser as add_feedback_parser
from idmqa.cli.feedback import cmd_feedback
from idmqa.cli.llm import cmd_mcp, cmd_verify_eval
from idmqa.runtime import configure_logging


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``idmqa`` command."""
    parser = argparse.ArgumentParser(prog="idmqa", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("index", help="build or rebuild the index from corpus/")
    serve = sub.add_parser("serve", help="run the HTTP API (builds the index first if missing)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument(
        "--workers",
        type=int,
        help="server processes sharing the read-only index (default IDMQA_WORKERS, 1)",
    )
    ask = sub.add_parser("ask", help="print the best passages for a question")
    ask.add_argument("question", nargs="+")
    ask.add_argument("-k", type=int, help="passages to print (default IDMQA_DEFAULT_K)")
    ask.add_argument("--json", action="store_true", help="print JSON instead of text")
    ask.add_argument(
        "--after",
        action="append",
        default=[],
        metavar="QUESTION",
        help="an earlier question of the conversation (repeatable, oldest first): the question "
        "is read as its follow-up ('Et M. Lauber ?')",
    )
    ask.add_argument(
        "--local",
        action="store_true",
        help="load the model and index in this process even if a local server serves the "
        "same index (default: forward to it; IDMQA_ASK_VIA_SERVER=false)",
    )
    ev = sub.add_parser(
        "eval", help="hit@k, MRR and answerable share on JSONL question sets (and together)"
    )
    ev.add_argument("file", nargs="*", help="question sets; off-topic sets have no gold")
    ev.add_argument(
        "--conversations",
        metavar="FILE",
        help="also a JSONL set of two-turn conversations: the follow-ups' hit@1, hit@5 and MRR "
        "searched alone, after their earlier questions concatenated, and with the history",
    )
    ev.add_argument("--json", help="also write the metrics to this file")
    ev.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="also evaluate a variant with this setting changed (repeatable), "
        "e.g. --set rrf_k=60; prints both and the differences",
    )
    attribution = sub.add_parser(
        "eval-attribution",
        help="who-said-what recall and precision on a JSONL set of (person, line) pairs",
    )
    attribution.add_argument("file")
    attribution.add_argument("--json", help="also write the metrics to this file")
    spk = sub.add_parser("speakers", help="list the people, or one person's statements")
    spk.add_argument("name", nargs="*", help="a person id or (part of) a name")
    sub.add_parser("mcp", help="serve the MCP tools on stdio (for desktop agents)")
    ver = sub.add_parser("verify-eval", help="quote verification: confusion table on a JSONL set")
    ver.add_argument("file")
    add_feedback_parser(sub)
    return parser


COMMANDS = {
    "index": cmd_index,
    "serve": cmd_serve,
    "ask": cmd_ask,
    "eval": cmd_eval,
    "eval-attribution": cmd_eval_attribution,
    "speakers": cmd_speakers,
    "mcp": cmd_mcp,
    "verify-eval": cmd_verify_eval,
    "feedback": cmd_feedback,
}


def _invalid_settings(exc: ValidationError) -> str:
    """One line naming every invalid setting as its environment variable (never its value,
    which may be a key)."""
    return "; ".join(
        f"invalid setting IDMQA_{'_'.join(str(p) for p in e['loc']).upper()}: "
        f"{e['msg'].removeprefix('Value error, ')}"
        for e in exc.errors()
    )


#: Commands whose process ends without the interpreter's teardown once they have answered:
#: freeing what ``ask`` loaded (the tokenizer's 113k pieces above all, the index, the ONNX
#: session) one object at a time took ~80 ms of a one-second process, and the kernel takes
#: the memory back at once. They write nothing but stdout and stderr, flushed first.
QUICK_EXIT = frozenset({"ask"})


def run() -> None:
    """The console script and ``python -m idmqa.cli``: :func:`main`, then the process ends."""
    sys.exit(main(quick_exit=True))


def _exit_now(code: int) -> None:
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        # a closed pipe, a closed stream: nothing more can be said
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def main(argv: list[str] | None = None, quick_exit: bool = False) -> int:
    """Run the command of ``argv`` (default ``sys.argv``); its exit status. With
    ``quick_exit``, a command of :data:`QUICK_EXIT` ends the process when it is done."""
    args = build_parser().parse_args(argv)
    configure_logging(args.verbose)
    code = _run(args)
    if quick_exit and args.command in QUICK_EXIT:
        _exit_now(code)
    return code


def _run(args: argparse.Namespace) -> int:
    try:
        return COMMANDS[args.command](args)
    except ValidationError as exc:
        print(f"idmqa {args.command}: {_invalid_settings(exc)}", file=sys.stderr)
    except Exception as exc:
        # Imported only now: the index store pulls in numpy and faiss, which `idmqa ask`
        # through a running server never needs.
        from idmqa.index.store import IndexUnavailable
        from idmqa.model.exported import OnnxEncoderError

        if not isinstance(exc, (IndexUnavailable, OnnxEncoderError, ValueError, OSError)):
            raise
        print(f"idmqa {args.command}: {exc}", file=sys.stderr)
    return 1

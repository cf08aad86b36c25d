"""The ``parley`` command line: ingest, doctor, bench, chat, serve, graph, eval.

``parley eval ...`` runs the evaluation harness (``parley-eval``, the ``eval`` package). ``bot`` must not
import ``eval`` (imports flow one way: ``eval`` drives ``bot``), so the subcommand executes the harness
module by name with ``runpy.run_module("eval.cli", run_name="__main__")`` after setting ``sys.argv``: no
import statement names ``eval`` (``tests/test_layout.py`` checks import statements), and nothing of
``eval`` is loaded unless the subcommand is used."""

from __future__ import annotations

import argparse
import logging
import runpy
import sys
import warnings
from pathlib import Path

from bot.settings import Settings, offline_environment, store_config

offline_environment()


def _stores(settings: Settings):  # type: ignore[no-untyped-def]
    from tools.stores import Stores

    return Stores(store_config(settings))


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from tools.errors import ParleyError

    bars: dict[str, tqdm] = {}

    def progress(phase: str, done: int, total: int) -> None:
        bar = bars.get(phase)
        if bar is None:
            bar = bars[phase] = tqdm(total=total, desc=phase, unit="row", leave=False)
        bar.total = total
        bar.n = done
        bar.refresh()

    stores = _stores(settings)
    data_dir = Path(args.data) if args.data else settings.data_dir
    try:
        report = stores.ingest(data_dir, progress=progress, log=lambda m: print(m, flush=True))
    except ParleyError as error:
        print(f"parley ingest: {error}", file=sys.stderr)
        return 2
    finally:
        for bar in bars.values():
            bar.close()
        stores.close()
    print(f"catalogue  {data_dir}: {report.items} items, {report.ratings} ratings, {report.facts} facts")
    counts = report.graph_counts
    print(
        f"graph      {counts.get('nodes', 0)} nodes, {counts.get('relationships', 0)} relationships  {counts}"
    )
    print(f"vectors    {report.vector_count} documents ({report.details})")
    print(f"cf         {report.cf_metrics}")
    print(f"seconds    {report.seconds}")
    return 0


def cmd_doctor(args: argparse.Namespace, settings: Settings) -> int:
    from bot.doctor import run_doctor

    return run_doctor(_stores(settings))


def cmd_graph(args: argparse.Namespace, settings: Settings) -> int:
    stores = _stores(settings)
    if not stores.config.embedded_graph:
        print("PARLEY_NEO4J_URI is set: the graph is an external server, nothing to start or stop")
        return 0
    server = stores.start_graph_server()
    if args.action == "stop":
        server.stop()
        print("graph server stopped")
    else:
        print(f"graph server running at {server.uri} (pid {server.pid}, data {server.root_dir})")
    return 0


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    if args.what == "chat":
        from bot.bench_chat import run_chat_bench

        return run_chat_bench(settings, args.turns)
    from bot.bench import run_ingest_bench

    return run_ingest_bench(_stores(settings), settings)


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.repl import run_repl

    return run_repl(settings, show_trace=args.trace)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.ui import serve
    from tools.errors import ParleyError

    try:
        return serve(settings, host=args.host, port=args.port)
    except ParleyError as error:
        print(f"parley serve: {error}", file=sys.stderr)
        return 2


def run_eval(argv: list[str]) -> int:
    """Execute the evaluation harness's entry point (``eval.cli``) with ``argv`` as its arguments."""
    saved = sys.argv
    sys.argv = ["parley eval", *argv]
    try:
        with warnings.catch_warnings():  # "found in sys.modules" when eval.cli was imported already
            warnings.simplefilter("ignore", RuntimeWarning)
            runpy.run_module("eval.cli", run_name="__main__")
    except SystemExit as done:
        code = done.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    finally:
        sys.argv = saved
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    return run_eval(list(args.args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parley", description="Parley conversational recommender")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    ingest = sub.add_parser("ingest", help="validate a catalogue and build the graph, vectors and CF models")
    ingest.add_argument("--data", help="catalogue directory (default: PARLEY_DATA_DIR or data/)")
    ingest.set_defaults(func=cmd_ingest)
    doctor = sub.add_parser("doctor", help="check that every store is reachable and populated")
    doctor.set_defaults(func=cmd_doctor)
    graph = sub.add_parser("graph", help="start or stop the embedded graph server")
    graph.add_argument("action", choices=["start", "stop"])
    graph.set_defaults(func=cmd_graph)
    bench = sub.add_parser("bench", help="benchmarks that print figures")
    bench.add_argument(
        "what", choices=["ingest", "chat"], help="ingest: store build times; chat: turn latency"
    )
    bench.add_argument("--turns", type=int, default=100, help="chat: turns to time (after one warm-up turn)")
    bench.set_defaults(func=cmd_bench)
    chat = sub.add_parser("chat", help="chat in the terminal")
    chat.add_argument("--trace", action="store_true", help="show the tool calls of each turn")
    chat.set_defaults(func=cmd_chat)
    serve = sub.add_parser("serve", help="web chat, embeddable widget and JSON API (Gradio + FastAPI)")
    serve.add_argument("--host", help="address to listen on (default: PARLEY_SERVE_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: PARLEY_SERVE_PORT or 7860)")
    serve.set_defaults(func=cmd_serve)
    evaluate = sub.add_parser(
        "eval", help="evaluation harness: scripted | simulate | redial | inspired (see parley eval --help)"
    )
    evaluate.add_argument("args", nargs=argparse.REMAINDER, help="arguments of parley-eval")
    evaluate.set_defaults(func=cmd_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["eval"]:  # the harness parses its own options (--help included)
        return run_eval(argv[1:])
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = Settings()
    except ValueError as error:
        print(f"parley: invalid settings: {error}", file=sys.stderr)
        return 2
    return int(args.func(args, settings))


if __name__ == "__main__":
    sys.exit(main())

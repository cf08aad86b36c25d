"""The ``parley`` subcommands over ``bot``: one ``Command`` each (name, help, arguments, run).

A new subcommand is a ``Command`` (here or in its own module) added to ``cli.main.COMMANDS``. ``run``
gets the parsed arguments and the ``Settings``, returns the exit status and may raise: ``cli.errors``
turns an exception into one line on stderr."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.settings import Settings, store_config
from tools.stores import Stores

Run = Callable[[argparse.Namespace, Settings], int]


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    return None


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    run: Run
    arguments: Callable[[argparse.ArgumentParser], None] = _no_arguments


def _stores(settings: Settings) -> Stores:
    return Stores(store_config(settings))


# --- ingest ---------------------------------------------------------------------------------------
def _ingest_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", help="catalogue directory (default: PARLEY_DATA_DIR or data/)")


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from tools.ingest import ingest

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
        report = ingest(stores, data_dir, progress=progress, log=lambda m: print(m, flush=True))
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
    from bot.sessions import open_session_store

    sessions = open_session_store(settings)  # creates or migrates the conversations' schema
    print(f"sessions   {sessions.ping()}")
    sessions.close()
    return 0


# --- doctor and graph -----------------------------------------------------------------------------
def cmd_doctor(args: argparse.Namespace, settings: Settings) -> int:
    from bot.doctor import run_doctor

    return run_doctor(_stores(settings), settings)


def _graph_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["start", "stop"])


def cmd_graph(args: argparse.Namespace, settings: Settings) -> int:
    stores = _stores(settings)
    if not stores.config.embedded_graph:
        print("PARLEY_NEO4J_URI is set: the graph is an external server, nothing to start or stop")
        return 0
    if args.action == "stop":
        print("graph server stopped" if stores.stop_graph_server() else "no graph server running")
        return 0
    server = stores.start_graph_server(keep_running=True)  # runs on until `parley graph stop`
    print(f"graph server running at {server.uri} (pid {server.pid}, data {server.root_dir})")
    return 0


# --- bench ----------------------------------------------------------------------------------------
def _bench_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "what",
        choices=["ingest", "chat", "writer", "scale"],
        help="ingest: store build times; chat: turn latency; writer: LLM share, faithfulness, latency; "
        "scale: the growth curve on synthetic catalogues",
    )
    parser.add_argument("--turns", type=int, default=100, help="chat: turns to time (after one warm-up turn)")
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=(10_000, 100_000, 1_000_000),
        help="scale: catalogue sizes in items, comma-separated (default 10000,100000,1000000)",
    )
    parser.add_argument("--quick", action="store_true", help="scale: small samples and few requests (tests)")
    parser.add_argument("--seed", type=int, default=0, help="scale: seed of the synthetic catalogues")
    parser.add_argument(
        "--max-rss-mb",
        type=float,
        default=None,
        help="scale: a size whose worker would need more memory is extrapolated, not run "
        "(default: half the memory available)",
    )


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of item counts: {text!r}") from None
    if not sizes or min(sizes) < 10:
        raise argparse.ArgumentTypeError(f"every size needs at least 10 items: {text!r}")
    return sizes


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    if args.what == "scale":
        from bot.bench_scale import run_scale_bench

        return run_scale_bench(settings, args.sizes, args.quick, args.seed, max_rss_mb=args.max_rss_mb)
    if args.what == "writer":
        from bot.bench_writer import run_writer_bench

        return run_writer_bench(settings, args.turns)
    if args.what == "chat":
        from bot.bench_chat import run_chat_bench

        return run_chat_bench(settings, args.turns)
    from bot.bench import run_ingest_bench

    return run_ingest_bench(_stores(settings), settings)


# --- chat and serve -------------------------------------------------------------------------------
def _chat_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--trace", action="store_true", help="show the tool calls of each turn")


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.repl import run_repl

    return run_repl(settings, show_trace=args.trace)


def _serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to listen on (default: PARLEY_SERVE_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default: PARLEY_SERVE_PORT or 7860)")


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.ui import serve

    return serve(settings, host=args.host, port=args.port)


INGEST = Command(
    "ingest", "validate a catalogue and build the graph, vectors and CF models", cmd_ingest, _ingest_arguments
)
DOCTOR = Command("doctor", "check that every store is reachable and populated", cmd_doctor)
GRAPH = Command("graph", "start or stop the embedded graph server", cmd_graph, _graph_arguments)
BENCH = Command("bench", "benchmarks that print figures", cmd_bench, _bench_arguments)
CHAT = Command("chat", "chat in the terminal", cmd_chat, _chat_arguments)
SERVE = Command(
    "serve", "web chat, embeddable widget and JSON API (Gradio + FastAPI)", cmd_serve, _serve_arguments
)

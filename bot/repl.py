"""``parley chat``: a terminal REPL over the public ``Recommender``/``Session`` API."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import prompts
from bot.recommender import Recommender
from bot.settings import Settings
from bot.types import DoneEvent, RecommendationsEvent, TextChunkEvent, ToolStepEvent
from tools.errors import ParleyError


def run_repl(settings: Settings, show_trace: bool = False) -> int:
    try:
        recommender = Recommender.from_settings(settings)
    except ParleyError as error:
        print(f"parley chat: {error}", file=sys.stderr)
        return 2
    try:
        chat_loop(recommender, show_trace, echo=not sys.stdin.isatty())
    finally:
        recommender.close()
    return 0


def _prompt() -> str:
    return input("you> ")


def chat_loop(
    recommender: Recommender,
    show_trace: bool = False,
    echo: bool = False,
    read: Callable[[], str] = _prompt,
    write: Callable[[str], None] = lambda text: print(text, end="", flush=True),
) -> None:
    """Read lines until EOF or "quit"; "reset" starts a new session. ``echo`` repeats each line read
    (piped input), so the output reads as a transcript; ``show_trace`` adds each tool step, the
    ranked titles, the turn's time and how the reply was written."""
    write(prompts.render("greeting.j2") + "\n")
    session = recommender.new_session()
    while True:
        try:
            text = read()
        except EOFError:
            break
        if echo:
            write(text + "\n")
        command = text.strip().lower()
        if command in {"quit", "exit"}:
            break
        if command == "reset":
            session = recommender.new_session()
            write("parley> Starting over.\n")
            continue
        write("parley> ")
        started = time.perf_counter()
        for event in session.stream(text):
            if isinstance(event, ToolStepEvent) and show_trace:
                write(
                    f"\n  [{event.step.name} {event.step.args} -> {event.step.summary}, {event.step.ms} ms]"
                )
            elif isinstance(event, RecommendationsEvent) and show_trace:
                write(f"\n  [ranked: {[r.title for r in event.recommendations]}]\n        ")
            elif isinstance(event, TextChunkEvent):
                write(event.text.replace("\n", "\n        "))
            elif isinstance(event, DoneEvent):
                write("\n")
                if show_trace:
                    writer = [s for s in event.reply.trace if s.name == "writer"]
                    how = f"{writer[-1].args.get('kind')}, {writer[-1].summary}" if writer else "none"
                    write(f"  [turn: {time.perf_counter() - started:.1f} s; writer: {how}]\n")

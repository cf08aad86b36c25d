"""``parley chat``: a terminal REPL over the public ``Recommender``/``Session`` API."""

from __future__ import annotations

import sys
import time

import prompts
from bot.agent import Recommender
from bot.settings import Settings
from bot.types import DoneEvent, RecommendationsEvent, TextChunkEvent, ToolStepEvent
from tools.errors import ParleyError


def run_repl(settings: Settings, show_trace: bool = False) -> int:
    try:
        recommender = Recommender.from_settings(settings)
    except ParleyError as error:
        print(f"parley chat: {error}", file=sys.stderr)
        return 2
    print(prompts.render("greeting.j2"))
    session = recommender.new_session()
    try:
        while True:
            try:
                text = input("you> ")
            except EOFError:
                break
            if not sys.stdin.isatty():
                print(text)  # piped input: show it, so the output reads as a transcript
            command = text.strip().lower()
            if command in {"quit", "exit"}:
                break
            if command == "reset":
                session = recommender.new_session()
                print("parley> Starting over.")
                continue
            print("parley> ", end="", flush=True)
            started = time.perf_counter()
            for event in session.stream(text):
                if isinstance(event, ToolStepEvent) and show_trace:
                    print(
                        f"\n  [{event.step.name} {event.step.args} -> {event.step.summary}, {event.step.ms} ms]",
                        end="",
                    )
                elif isinstance(event, RecommendationsEvent) and show_trace:
                    print(f"\n  [ranked: {[r.title for r in event.recommendations]}]\n        ", end="")
                elif isinstance(event, TextChunkEvent):
                    print(event.text.replace("\n", "\n        "), end="", flush=True)
                elif isinstance(event, DoneEvent):
                    print()
                    if show_trace:
                        writer = [s for s in event.reply.trace if s.name == "writer"]
                        how = f"{writer[-1].args.get('kind')}, {writer[-1].summary}" if writer else "none"
                        print(f"  [turn: {time.perf_counter() - started:.1f} s; writer: {how}]")
    finally:
        recommender.close()
    return 0

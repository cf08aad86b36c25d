"""``parley-eval`` (also ``parley eval``): the evaluation harness over Parley's public API.

    parley-eval scripted [FILE]                    # scripted dialogues (default: the bundled suite)
    parley-eval simulate --sample 100 --max-turns 5
    parley-eval simulate --goals goals.yaml
    parley-eval redial --data data/dev             # corpus replay, full and dedup protocols
    parley-eval inspired --data data/dev

Every command writes ``result.json``, ``report.md`` and PNG plots into ``--out`` (default
``eval-results/<command>-<timestamp>``). Common options: ``--seed``, ``--llm none|embedded|openai``, ``--agent-mode auto|plan|tools``
(``Settings.llm``; default ``none``, the deterministic template writer), ``--limit N``.
The built stores are those of ``bot.settings.Settings`` (``PARLEY_STATE_DIR`` etc.); sessions are
kept in a SQLite file in the output directory, away from real users' sessions.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from bot.agent import Recommender
from bot.session_store import SqliteSessionStore
from bot.settings import Settings
from eval import report
from eval.harness import POLICIES, sample_goals, simulate
from eval.metrics import common_figures
from eval.replay import replay
from eval.scripted import SUITE_DIR, load_suite, run_suite
from eval.types import Dialogue, Goal


def _progress(desc: str) -> Any:
    from tqdm import tqdm

    def wrap(items: Iterable[Any]) -> Iterable[Any]:
        listed = list(items)
        return tqdm(listed, desc=desc, total=len(listed), file=sys.stderr)

    return wrap


def build_recommender(llm: str, out: Path, agent_mode: str = "auto") -> Recommender:
    base = Recommender.from_settings(Settings(llm=llm, agent_mode=agent_mode))  # type: ignore[arg-type]
    return base.with_options(store=SqliteSessionStore(out / "sessions.sqlite3"))


def read_goals(path: Path) -> list[Goal]:
    """YAML (a list, or ``goals: [...]``) or JSONL; each goal ``{goal_id?, targets: [ids]}`` or a
    bare list of ids."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        raw: list[Any] = [json.loads(line) for line in text.splitlines() if line.strip()]
    else:
        loaded = yaml.safe_load(text) or []
        raw = loaded.get("goals", []) if isinstance(loaded, dict) else loaded
    goals = []
    for n, item in enumerate(raw):
        if isinstance(item, list | int):
            item = {"targets": item if isinstance(item, list) else [item]}
        goals.append(
            Goal(goal_id=str(item.get("goal_id") or f"goal-{n}"), targets=[int(t) for t in item["targets"]])
        )
    return goals


def write_dialogues(out: Path, dialogues: list[Dialogue]) -> None:
    """dialogues.jsonl: every dialogue's utterances (the bot's with its recommendations)."""
    with (out / "dialogues.jsonl").open("w", encoding="utf-8") as handle:
        for d in dialogues:
            row = {
                "dialogue_id": d.dialogue_id,
                "targets": d.goal.targets if d.goal else [],
                "turns": [
                    {
                        "speaker": u.speaker,
                        "text": u.text,
                        "recommended": [
                            f"{r.title} ({r.year}) #{r.item_id}"
                            for r in (u.reply.recommendations if u.reply else [])
                        ],
                        "question_slot": u.slot,
                        "feedback": u.feedback,
                        "ms": u.ms,
                    }
                    for u in d.utterances
                ],
            }
            handle.write(json.dumps(row) + "\n")


def cmd_scripted(args: argparse.Namespace, rec: Recommender, out: Path) -> dict[str, Any]:
    scripts = load_suite(Path(args.file) if args.file else SUITE_DIR)[: args.limit]
    outcomes, skipped = run_suite(rec, scripts, _progress("scripted"))
    failures = [{"dialogue": o.id, "category": o.category, **f} for o in outcomes for f in o.failures]
    result: dict[str, Any] = {
        "passed": sum(o.passed for o in outcomes),
        "failed": sum(not o.passed for o in outcomes),
        "n_dialogues": len(outcomes),
        "failures": failures,
    } | common_figures([o.result for o in outcomes])
    result["skipped"] = skipped
    result["dialogues"] = [{"id": o.id, "category": o.category, "passed": o.passed} for o in outcomes]
    (out / "dialogues.jsonl").write_text(
        "".join(
            o.dialogue.model_dump_json(exclude={"utterances": {"__all__": {"reply"}}}) + "\n"
            for o in outcomes
        ),
        encoding="utf-8",
    )
    report.plot_latency(out, [ms for o in outcomes for ms in o.result.latency_ms])
    (out / "report.md").write_text(report.scripted_markdown(result, _settings(args)), encoding="utf-8")
    return result


def cmd_simulate(args: argparse.Namespace, rec: Recommender, out: Path) -> dict[str, Any]:
    goals = read_goals(Path(args.goals)) if args.goals else sample_goals(rec, args.sample, args.seed)
    goals = goals[: args.limit]

    def make(max_questions: int) -> Recommender:
        return rec.with_options(max_questions=max_questions)

    result, dialogues = simulate(
        make, goals, args.max_turns, args.seed, _progress("simulate"), dict(POLICIES)
    )
    with (out / "dialogues.jsonl").open("w", encoding="utf-8") as handle:
        for runs in dialogues.values():
            for d in runs:
                row = {
                    "dialogue_id": d.dialogue_id,
                    "targets": d.goal.targets if d.goal else [],
                    "turns": [
                        {
                            "speaker": u.speaker,
                            "text": u.text,
                            "recommended": u.recommendations,
                            "slot": u.slot,
                        }
                        for u in d.utterances
                    ],
                }
                handle.write(json.dumps(row) + "\n")
    report.plot_success_by_policy(out, result)
    report.plot_latency(out, [u.ms for runs in dialogues.values() for d in runs for u in d.bot_utterances()])
    (out / "report.md").write_text(report.simulate_markdown(result, _settings(args)), encoding="utf-8")
    return result


def cmd_replay(args: argparse.Namespace, rec: Recommender, out: Path) -> dict[str, Any]:
    latencies: list[float] = []
    result = replay(
        rec, args.command, Path(args.data), args.limit, progress=_progress(args.command), latencies=latencies
    )
    report.plot_recall_by_ranker(out, result)
    report.plot_latency(out, latencies)
    (out / "report.md").write_text(report.replay_markdown(result, _settings(args)), encoding="utf-8")
    return result


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    return {"llm": args.llm, "agent_mode": args.agent_mode, "seed": args.seed, "limit": args.limit}


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Evaluate Parley through its public API")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--out", type=Path, default=None, help="output directory")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--llm", choices=["none", "embedded", "openai"], default="none")
        p.add_argument("--limit", type=int, default=None, help="dialogues / goals to run")
        p.add_argument(
            "--agent-mode",
            choices=["auto", "plan", "tools"],
            default="auto",
            help="tools: the LLM chooses the tools; plan: the plan-first controller (compare the two)",
        )

    scripted = sub.add_parser("scripted", help="scripted dialogues with expectations")
    scripted.add_argument("file", nargs="?", default=None, help="YAML/JSONL suite (default: bundled)")
    common(scripted)
    sim = sub.add_parser("simulate", help="rule-based simulated users with target items")
    group = sim.add_mutually_exclusive_group()
    group.add_argument("--goals", help="YAML/JSONL goals file")
    group.add_argument("--sample", type=int, default=50, help="sample N single-target goals")
    sim.add_argument("--max-turns", type=int, default=5)
    common(sim)
    for corpus in ("redial", "inspired"):
        p = sub.add_parser(corpus, help=f"replay {corpus} dialogues (full and dedup protocols)")
        p.add_argument("--data", default="data/dev", help="data directory or dialogue file")
        common(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    prog = "parley eval" if sys.argv[:1] == ["parley eval"] else "parley-eval"
    args = build_parser(prog).parse_args(argv)
    random.seed(args.seed)
    out: Path = args.out or Path("eval-results") / f"{args.command}-{time.strftime('%Y%m%d-%H%M%S')}"
    out.mkdir(parents=True, exist_ok=True)
    rec = build_recommender(args.llm, out, args.agent_mode)
    commands = {
        "scripted": cmd_scripted,
        "simulate": cmd_simulate,
        "redial": cmd_replay,
        "inspired": cmd_replay,
    }
    try:
        result = commands[args.command](args, rec, out)
    finally:
        rec.close()
    report.write_json(out, result)
    headline = {k: v for k, v in result.items() if not isinstance(v, dict | list)}
    print(json.dumps(headline))
    print(f"results in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

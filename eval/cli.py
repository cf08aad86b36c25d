"""``parley-eval`` (also ``parley eval``): the evaluation harness over Parley's public API.

    parley-eval scripted [FILE]                    # scripted dialogues (default: the bundled suite)
    parley-eval simulate --sample 100 --max-turns 5
    parley-eval simulate --goals goals.yaml
    parley-eval redial --data data/dev             # corpus replay, full and dedup protocols
    parley-eval inspired --data some/dialogues.tsv # no crosswalk above it: titles linked
    parley-eval movielens --holdout 0.1 --users 200  # held-out MovieLens users, favourites as liked
    parley-eval tune --corpus redial --tune-every 2 --candidates cand.json.gz   # fusion weights

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
from typing import Any, Literal, get_args

import yaml

from bot.recommender import Recommender
from bot.session_store import SqliteSessionStore
from bot.settings import Settings
from eval import fusion, movielens, report
from eval.cases import DataFileError, locate
from eval.harness import POLICIES, sample_goals, simulate
from eval.metrics import common_figures
from eval.replay import replay
from eval.scripted import SUITE_DIR, load_suite, run_suite
from eval.tune import GRID, tune
from eval.types import Dialogue, Goal


def _progress(desc: str) -> Any:
    from tqdm import tqdm

    def wrap(items: Iterable[Any]) -> Iterable[Any]:
        listed = list(items)
        return tqdm(listed, desc=desc, total=len(listed), file=sys.stderr)

    return wrap


LLMName = Literal["none", "embedded", "openai"]  # the values of Settings.llm
AgentMode = Literal["auto", "plan", "tools"]  # and of Settings.agent_mode


def build_recommender(llm: LLMName, out: Path, agent_mode: AgentMode = "auto") -> Recommender:
    base = Recommender.from_settings(Settings(llm=llm, agent_mode=agent_mode))
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
        rec,
        args.command,
        Path(args.data),
        args.limit,
        progress=_progress(args.command),
        latencies=latencies,
        crosswalk=args.crosswalk,
    )
    report.plot_recall_by_ranker(out, result)
    report.plot_latency(out, latencies)
    (out / "report.md").write_text(report.replay_markdown(result, _settings(args)), encoding="utf-8")
    return result


def cmd_tune(args: argparse.Namespace, rec: Recommender, out: Path) -> dict[str, Any]:
    def log(message: str) -> None:
        print(message, file=sys.stderr)

    result = tune(
        rec,
        args.corpus,
        Path(args.data),
        args.limit,
        tune_every=args.tune_every,
        rounds=args.tune_rounds,
        fields=args.tune_fields,
        candidates=args.candidates,
        progress=_progress("gather"),
        log=log,
    )
    weights = out / "weights.json"
    weights.write_text(json.dumps(result["weights"]) + "\n", encoding="utf-8")
    (out / "report.md").write_text(report.tune_markdown(result, _settings(args)), encoding="utf-8")
    log(f'best weights in {weights} (to use them: PARLEY_RANKER_WEIGHTS="$(cat {weights})")')
    return result


def check_inputs(args: argparse.Namespace) -> None:
    """Every input file of the command exists (before the stores are opened): a ``DataFileError``
    (what, where, what to do) otherwise."""
    if args.command in ("redial", "inspired"):
        locate(args.command, Path(args.data), args.crosswalk)
    elif args.command in ("tune", "train-fusion"):
        for corpus in args.corpus:
            locate(corpus, Path(args.data))
    elif args.command == "simulate" and args.goals and not Path(args.goals).is_file():
        raise DataFileError(
            "goals file not found", Path(args.goals), "give --goals an existing YAML/JSONL file"
        )
    elif args.command == "scripted" and args.file and not Path(args.file).exists():
        raise DataFileError(
            "scripted suite not found", Path(args.file), "give a YAML/JSONL file or a directory"
        )


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    return {"llm": args.llm, "agent_mode": args.agent_mode, "seed": args.seed, "limit": args.limit}


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Evaluate Parley through its public API")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--out", type=Path, default=None, help="output directory")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--llm", choices=get_args(LLMName), default="none")
        p.add_argument("--limit", type=int, default=None, help="dialogues / goals to run")
        p.add_argument(
            "--agent-mode",
            choices=get_args(AgentMode),
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
        p.add_argument(
            "--crosswalk",
            type=Path,
            default=None,
            help="CSV mapping the corpus's movies to catalogue ids (default: crosswalks/ above the "
            "dialogues; without one, titles are linked with the catalogue's linker)",
        )
        common(p)
    tune_parser = sub.add_parser("tune", help="tune the fusion weights on replay cases (coordinate search)")
    tune_parser.add_argument(
        "--corpus",
        choices=["redial", "inspired"],
        nargs="+",
        default=["redial"],
        help="several: cases pooled",
    )
    tune_parser.add_argument("--data", default="data/dev", help="data directory")
    tune_parser.add_argument("--tune-every", type=int, default=1, help="tune on every n-th case")
    tune_parser.add_argument("--tune-rounds", type=int, default=1, help="passes over the weights")
    tune_parser.add_argument(
        "--tune-fields", nargs="*", choices=sorted(GRID), default=None, help="only these"
    )
    tune_parser.add_argument(
        "--candidates",
        type=Path,
        default=None,
        help="file of recorded source lists (gzip JSON): read when it exists, cases it lacks added, "
        "written back (delete it after changing a source)",
    )
    common(tune_parser)
    fusion.add_parser(sub, common)
    movielens.add_parser(sub, common)
    return parser


def main(argv: Sequence[str] | None = None, prog: str = "parley-eval") -> int:
    """The harness; the shell (``cli.evaluate``) runs it as ``parley-eval`` and ``parley eval``."""
    args = build_parser(prog).parse_args(argv)
    check_inputs(args)
    random.seed(args.seed)
    out: Path = args.out or Path("eval-results") / f"{args.command}-{time.strftime('%Y%m%d-%H%M%S')}"
    out.mkdir(parents=True, exist_ok=True)
    rec = build_recommender(args.llm, out, args.agent_mode)
    commands = {
        "scripted": cmd_scripted,
        "simulate": cmd_simulate,
        "redial": cmd_replay,
        "inspired": cmd_replay,
        "tune": cmd_tune,
        "train-fusion": fusion.command,
        "movielens": movielens.command,
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

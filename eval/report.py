"""Writing results: ``result.json`` (the exact keys of each command), ``report.md`` and PNG plots
(matplotlib, Agg backend) into one output directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eval import beyond

REFERENCE_NOTE = (
    "Published figures on a related but not identical setting (other catalogues, item sets, "
    "splits and protocols); shown for orientation only, not as a like-for-like comparison."
)
REDIAL_REFERENCES = {
    "KBRD (full)": {"recall@1": 0.030, "recall@10": 0.163, "recall@50": 0.338},
    "KGSF (full)": {"recall@1": 0.039, "recall@10": 0.183, "recall@50": 0.378},
    "UniCRS (full)": {"recall@1": 0.051, "recall@10": 0.224, "recall@50": 0.428},
    "UniCRS (dedup)": {"recall@1": 0.024, "recall@10": 0.180, "recall@50": 0.335},
}
SIMULATION_REFERENCES = {
    "ChatGPT (iEvaLM attribute Q&A)": {"recall@10": 0.536},
    "UniCRS (iEvaLM attribute Q&A)": {"recall@10": 0.238},
}


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def write_json(out: Path, result: dict[str, Any]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "result.json"
    path.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    return path


def plot_recall_by_ranker(out: Path, result: dict[str, Any]) -> Path:
    plt = _plt()
    rankers = list(result["by_ranker"])
    ks = ["recall@1", "recall@10", "recall@50"]
    fig, ax = plt.subplots(figsize=(7, 4))
    width = 0.8 / len(ks)
    for n, k in enumerate(ks):
        xs = [i + n * width for i in range(len(rankers))]
        ax.bar(xs, [result["by_ranker"][r][k] for r in rankers], width, label=k)
    ax.set_xticks([i + width for i in range(len(rankers))], rankers)
    ax.set_ylabel("recall (full protocol)")
    ax.set_title(f"{result.get('corpus', 'replay')}: recall@k by ranker")
    ax.legend()
    fig.tight_layout()
    path = out / "recall_by_ranker.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_success_by_policy(out: Path, result: dict[str, Any]) -> Path:
    plt = _plt()
    policies = list(result["by_policy"])
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.bar(policies, [result["by_policy"][p]["success_rate"] for p in policies], color=["#4c72b0", "#dd8452"])
    ax.set_ylim(0, 1)
    ax.set_ylabel("success rate")
    ax.set_title(f"simulated users, {result.get('max_turns')} turns")
    fig.tight_layout()
    path = out / "success_by_policy.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_latency(out: Path, latencies: list[float]) -> Path:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.hist(latencies or [0.0], bins=30)
    ax.set_xlabel("milliseconds per turn / ranking")
    ax.set_ylabel("count")
    ax.set_title("latency")
    fig.tight_layout()
    path = out / "latency.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


COMMON_FIGURES = {
    "out_of_catalogue_rate": "out-of-catalogue rate",
    "repeat_rate": "repeat rate",
    "reason_traceability": "reason traceability",
    "constraint_violations": "hard-constraint violations",
    "reason_filler": "reasons quoting filler words",
    "reason_bot_mentions": "reasons naming Parley's suggestions as the person's",
}


def _common(result: dict[str, Any]) -> list[str]:
    """The figures every command reports that this result has (a replay has no out-of-catalogue
    or repeat rate: it ranks without replying)."""
    lines = ["", "| figure | value |", "|---|---|"]
    lines += [f"| {label} | {result[key]} |" for key, label in COMMON_FIGURES.items() if key in result]
    lat = result["latency_ms"]
    return [*lines, f"| latency p50 / p95 (ms) | {lat['p50']} / {lat['p95']} |"]


def _sources(result: dict[str, Any]) -> list[str]:
    """Each source's latency and failures (replay, tune)."""
    failures = result.get("source_failures") or {}
    lines = ["", "| source | p50 ms | p95 ms | failures |", "|---|---|---|---|"]
    for name, lat in (result.get("source_latency_ms") or {}).items():
        lines.append(f"| {name} | {lat['p50']} | {lat['p95']} | {failures.get(name, 0)} |")
    return lines


def _linking(figures: dict[str, Any]) -> str:
    link = figures["title_linking"]
    how = f"crosswalk {link['crosswalk']}" if link["method"] == "crosswalk" else "the catalogue's linker"
    return (
        f"{figures['n_dialogues']} dialogues, {figures['n_cases']} recommender turns; movies matched "
        f"with {how}: {link['linked']} of {link['titles']} titles (link rate {link['link_rate']}); "
        f"catalogue coverage {figures['catalogue_coverage']} ({figures['targets_outside_catalogue']} "
        "targets outside the catalogue, counted as misses); "
        f"{link.get('outside', 0)} titles beyond the catalogue linked to films whose genres a like adds "
        f"({figures.get('cases_with_liked_outside', 0)} cases with one liked)."
    )


def _table(rows: dict[str, dict[str, Any]], keys: list[str]) -> list[str]:
    lines = ["| | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for name, row in rows.items():
        lines.append(f"| {name} | " + " | ".join(str(row.get(k, "–")) for k in keys) + " |")
    return lines


def replay_markdown(result: dict[str, Any], settings: dict[str, Any]) -> str:
    keys = ["recall@1", "recall@10", "recall@50", "ndcg@10"]
    full = {f"Parley {r}": v for r, v in result["by_ranker"].items()}
    dedup = {f"Parley {r}": v["dedup"] for r, v in result["by_ranker"].items()}
    lines = [
        f"# Parley replay: {result['corpus']}",
        "",
        f"Settings: {settings}. {result['n_targets']} targets ({result['dedup']['n_targets']} new). "
        + _linking(result),
        "",
        "## Full protocol (every mentioned movie is a target)",
        "",
        *_table(full, keys),
        "",
        "## Dedup protocol (movies not mentioned earlier)",
        "",
        *_table(dedup, keys),
    ]
    if "beyond_accuracy" in result:
        lines += ["", *beyond.markdown(result["beyond_accuracy"])]
    if result["corpus"] == "redial":
        lines += [
            "",
            "## Published reference points (ReDial)",
            "",
            REFERENCE_NOTE,
            "",
            *_table(REDIAL_REFERENCES, ["recall@1", "recall@10", "recall@50"]),
        ]
    lines += [
        "",
        "## All commands",
        *_common(result),
        "",
        "Latency: the sources' time plus the fused ranker's fusion, per turn. Each source:",
        *_sources(result),
        "",
        "![recall](recall_by_ranker.png)",
        "",
        "![latency](latency.png)",
        "",
    ]
    return "\n".join(lines)


def simulate_markdown(result: dict[str, Any], settings: dict[str, Any]) -> str:
    keys = ["success_rate", "avg_turns", "recall@1", "recall@10", "n_dialogues", "title_leaks_dropped"]
    lines = [
        "# Parley with simulated users",
        "",
        f"Settings: {settings}. Rule-based users (attribute Q&A, deterministic by seed) with one target "
        "each; a dialogue succeeds when a target is recommended. Recall@k: share of targets among the first "
        "k distinct items recommended over the dialogue.",
        "",
        *_table({f"Parley {p}": v for p, v in result["by_policy"].items()}, keys),
        "",
        "## Published reference points (iEvaLM, ReDial, attribute-based Q&A simulation)",
        "",
        REFERENCE_NOTE,
        "",
        *_table(SIMULATION_REFERENCES, ["recall@10"]),
        "",
        *(
            beyond.markdown(result["beyond_accuracy"], "shown lists, by policy")
            if "beyond_accuracy" in result
            else []
        ),
        "",
        "## All commands",
        *_common(result),
        "",
        "![success](success_by_policy.png)",
        "",
        "![latency](latency.png)",
        "",
    ]
    return "\n".join(lines)


def scripted_markdown(result: dict[str, Any], settings: dict[str, Any]) -> str:
    lines = [
        "# Parley scripted dialogues",
        "",
        f"Settings: {settings}. {result['passed']} passed, {result['failed']} failed of "
        f"{result['n_dialogues']} ({len(result.get('skipped', []))} skipped: required items not in the catalogue).",
        "",
        "| dialogue | category | result |",
        "|---|---|---|",
    ]
    for d in result.get("dialogues", []):
        lines.append(f"| {d['id']} | {d['category']} | {'pass' if d['passed'] else 'FAIL'} |")
    if result["failures"]:
        lines += ["", "## Failures", ""]
        for f in result["failures"]:
            lines.append(
                f"* **{f['dialogue']}** turn {f.get('turn')}: `{f['expectation']}` expected {f.get('expected')!r}; "
                f"recommended {f.get('recommended')}; the bot said: {f.get('bot_said', '')[:300]!r}"
            )
    lines += ["", "## All commands", *_common(result), "", "![latency](latency.png)", ""]
    return "\n".join(lines)


def tune_markdown(result: dict[str, Any], settings: dict[str, Any]) -> str:
    keys = ["recall@1", "recall@10", "recall@50", "ndcg@10"]
    by_ranker = result["by_ranker"]
    lines = [
        f"# Parley weight tuning: {result['corpus']}",
        "",
        f"Settings: {settings}. Coordinate search over the fusion weights on {result['n_tuning_cases']} "
        f"of {result['n_cases']} replay cases ({result['trials']} weightings tried), maximising the "
        "fused ranker's mean R@10 of the full and dedup protocols: "
        f"{result['start_score']} -> {result['best_score']}.",
        "",
        "| weight | before | after |",
        "|---|---|---|",
        *[f"| {k} | {before} | {after} |" for k, (before, after) in result["changed"].items()],
        "",
        "## All cases under the best weights (full protocol)",
        "",
        *_table({f"Parley {r}": v for r, v in by_ranker.items()}, keys),
        "",
        "## Dedup protocol",
        "",
        *_table({f"Parley {r}": v["dedup"] for r, v in by_ranker.items()}, keys),
        "",
        "## Corpora",
        "",
        *[f"* {corpus}: {_linking(figures)}" for corpus, figures in result["corpora"].items()],
        "",
        "## Sources (failures: cases scored without that source's list)",
        *_sources(result),
        "",
    ]
    return "\n".join(lines)

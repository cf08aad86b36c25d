"""``parley bench scale``: the growth curve on synthetic catalogues (10k, 100k, 1M items by default).

Each size runs in a fresh process (``python -m tools.scale_probe``), so one size's memory never
counts in another's. Printed per size: ingest time per store, size on disk per store, a worker's
resident memory by part (the in-memory graph snapshot among them) and the ranker's p50/p95; then one
table, then where the single-node design stops at these figures and what takes over. A figure
extrapolated from a timed sample is marked ``~`` and says so; nothing extrapolated is shown as measured.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bot.settings import Settings
from tools.errors import ParleyError

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
EXTRAPOLATED = "extrapolated"
WORKER_BUDGET_MB = 2048  # the memory one app worker may use (issue 17: "a worker in 2 GB")


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def _fig(part: dict[str, Any], key: str = "seconds") -> str:
    """A figure with its provenance: plain when measured, ``~`` when extrapolated."""
    value = _num(float(part[key]))
    return value if part.get("how", "measured") == "measured" else f"~{value}"


def run_probe(
    size: int, settings: Settings, quick: bool, seed: int, timeout_s: float, disk_only: bool = False
) -> dict[str, Any]:
    """One size in a fresh Python process (``disk_only``: only the on-disk worker); its JSON figures."""
    with tempfile.TemporaryDirectory(prefix="parley-scale-out-") as tmp:
        out = Path(tmp) / "figures.json"
        command = [sys.executable, "-m", "tools.scale_probe", "--items", str(size), "--seed", str(seed)]
        command += ["--heap-mb", str(settings.graph_heap_mb), "--out", str(out)]
        if quick:
            command += ["--sample", "1000", "--vector-sample", "100", "--requests", "20"]
        command += ["--disk-only"] if disk_only else []
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired:
            raise ParleyError(
                f"the {size:,}-item probe ran past {timeout_s:.0f} s; try smaller --sizes"
            ) from None
        if done.returncode != 0 or not out.is_file():
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise ParleyError(f"the {size:,}-item probe failed (exit {done.returncode}): {' | '.join(tail)}")
        figures: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return figures


def size_report(f: dict[str, Any]) -> list[str]:
    """The per-size block: every figure with how it was obtained."""
    mem, snap, rk, g, v, cf = f["memory_mb"], f["snapshot"], f["ranker"], f["graph"], f["vectors"], f["cf"]
    lines = [
        f"== {f['items']:,} items: {f['ratings']:,} ratings by {f['users']:,} users, {f['facts']:,} facts; "
        f"generated in {f['generate_s']} s",
        f"  graph: {snap['movies']:,} movies, {snap['entities']:,} entities, {snap['links']:,} links",
        "  worker memory, RSS in a fresh process (MB, measured): "
        + " + ".join(f"{k} {_num(mem[k])}" for k in ("baseline", "catalogue", "item_table", "snapshot", "cf"))
        + f" + entity index {_num(mem['entity_index'])} = {_num(mem['total'])} MB"
        + ("" if cf["how"] == "measured" else " (CF arrays of the trained shape, not trained)"),
        f"  ranker (measured, {rk['n']} requests of 1-3 liked movies, top 5 with MMR and graph paths, the "
        f"default weights' sources but the vector one, whose store is built for a sample only): p50 {rk['p50']} ms, p95 {rk['p95']} ms; fusion {rk['fuse_us_per_candidate']} µs per "
        f"candidate ({_num(rk['candidates_p50'])} candidates p50); per source p50 "
        + ", ".join(f"{k} {ms} ms" for k, ms in rk["sources_p50"].items()),
        _store_line("graph ingest", g, "items over Bolt into ArcadeDB")
        + f"; snapshot read over Bolt {g['snapshot_read_s']} s; one neighbourhood (100 rows) p50/p95 by the "
        f"bounded Cypher query {g['cypher_ms']['p50']}/{g['cypher_ms']['p95']} ms, from the snapshot "
        f"{g['snapshot_ms']['p50']}/{g['snapshot_ms']['p95']} ms (measured, {g['items']:,} items loaded)",
        _store_line("vectors ingest", v, "items embedded with MiniLM on CPU into Chroma")
        + f"; query p50/p95 {v['query_ms']['p50']}/{v['query_ms']['p95']} ms ({v['items']:,} items)",
    ]
    if cf["how"] == "measured":
        lines.append(f"  CF fit (SVD + item KNN, all ratings): {cf['seconds']} s (measured)")
    else:
        s = cf["sample"]
        lines.append(
            f"  CF fit: ~{_num(cf['seconds'])} s EXTRAPOLATED (SVD ~{_num(cf['svd_s'])} s linear in ratings from "
            f"{s['svd_s']} s on {s['ratings']:,}; item KNN ~{_num(cf['knn_s'])} s quadratic in its items from "
            f"{s['knn_s']} s on {s['knn_items']:,})"
        )
    lines.append(
        f"  CF model arrays {_num(cf['mb'])} MB (computed from the arrays); item-KNN training holds a "
        f"{cf['knn_items']:,}² similarity matrix: {_num(cf['knn_matrix_mb'])} MB (computed)"
    )
    return [*lines, disk_line(f["disk"])]


def disk_line(d: dict[str, Any]) -> str:
    """The on-disk worker (``tools.scale_disk``): item table in SQLite, CF arrays memory-mapped."""
    opened, served = d["memory_mb"]["ranker"], d["memory_mb"]["served"]
    mem = d["memory_ranker"]
    return (
        f"  on disk (PARLEY_ITEMS_IN_MEMORY_MAX exceeded; measured in a fresh worker process): item table "
        f"and card facts in SQLite {_num(d['store_mb']['items'])} MB, entity names in SQLite "
        f"{_num(d['store_mb'].get('names', 0))} MB, CF arrays memory-mapped {_num(d['store_mb']['cf'])} MB, "
        f"written in {d['write_s']} s, opened in {d['open_s']} s; RSS {_num(opened['rss'])} MB opened, "
        f"{_num(served['rss'])} MB after {d['n']} requests ({_num(served['anon'])} anonymous + "
        f"{_num(served['file'])} file-backed pages, those shared by a host's workers); ranker without the "
        f"graph and vector sources (each asks its server) and graph paths: p50/p95 {d['p50']}/{d['p95']} ms "
        f"on disk, {mem['p50']}/{mem['p95']} ms in memory; same top 5 for every request: "
        + ("yes" if d["same_rankings"] else "NO")
        + (
            f"; linking a message p50/p95 {d['link']['p50']}/{d['link']['p95']} ms (films found in "
            f"{d['linked']} of {d['n']}), 5 cards' facts "
            f"{d['cards']['p50']}/{d['cards']['p95']} ms"
            if "link" in d
            else ""
        )
    )


def _store_line(label: str, part: dict[str, Any], what: str) -> str:
    if part["how"] == "measured":
        return f"  {label}: {part['seconds']} s, {part['mb']} MB on disk (measured, {part['items']:,} {what})"
    return (
        f"  {label}: ~{_num(part['seconds'])} s, ~{_num(part['mb'])} MB EXTRAPOLATED x{part['factor']} from "
        f"{part['sample_seconds']} s and {part['sample_mb']} MB measured on {part['items']:,} {what}"
    )


TABLE_HEAD = (
    "| items | ratings | graph ingest s | vectors ingest s | CF fit s | graph MB | Chroma MB | CF MB "
    "| snapshot MB | worker RSS MB | ranker p50 / p95 ms | on-disk worker RSS MB | on-disk ranker p50 / p95 ms |"
)


def table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [TABLE_HEAD, "|" + "---|" * TABLE_HEAD.count(" | ") + "---|"]
    for f in rows:
        g, v, cf, m, r = f["graph"], f["vectors"], f["cf"], f["memory_mb"], f["ranker"]
        cells = [
            f"{f['items']:,}", f"{f['ratings']:,}", _fig(g), _fig(v), _fig(cf), _fig(g, "mb"), _fig(v, "mb"),
            _num(cf["mb"]), _num(m["snapshot"]), _num(m["total"]), f"{r['p50']} / {r['p95']}",
        ]  # fmt: skip
        if "projected_from" in f:  # in memory not run: every figure extrapolated
            cells = [cells[0]] + [c if c.startswith("~") else f"~{c}" for c in cells[1:]]
            cells[-1] = f"~{r['p50']} / ~{r['p95']}"
        d = f.get("disk")  # the on-disk worker, measured at every size run
        cells += [_num(d["memory_mb"]["served"]["rss"]), f"{d['p50']} / {d['p95']}"] if d else ["-", "-"]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append(
        "~ = extrapolated (from a timed sample, or from a smaller run for a size not run; see the lines "
        "above), not measured at that size; CF MB is computed from the model's arrays; the on-disk "
        "columns are measured (item table in SQLite, CF memory-mapped, no snapshot; ranker without the "
        "graph and vector sources)"
    )
    return lines


def limits(rows: list[dict[str, Any]], budget_mb: float, snapshot_max: int) -> list[str]:
    """Where one node stops, from the largest size measured."""
    big = max(rows, key=lambda f: f["items"])
    n, mem = big["items"], big["memory_mb"]
    per_item_kb = 1000 * (mem["total"] - mem["baseline"]) / n
    snap_kb = 1000 * mem["snapshot"] / n
    fits = int(1000 * (budget_mb - mem["baseline"]) / max(per_item_kb, 1e-9))
    rk, g = big["ranker"], big["graph"]
    rest_kb = per_item_kb - snap_kb
    rest_fits = int(1000 * (budget_mb - mem["baseline"]) / max(rest_kb, 1e-9))
    knn_limit = int(math.sqrt(budget_mb * 1e6 / 8))  # float64 similarities
    knn_catalogue = int(knn_limit * n / max(1, big["cf"]["knn_items"]))
    return [
        f"Where one node stops (from the {n:,}-item run):",
        f"- memory: a worker holds {per_item_kb:.1f} KB per item (snapshot {snap_kb:.1f} KB), so a "
        f"{budget_mb:,.0f} MB worker fits about {fits:,} items; the {n:,}-item worker measured "
        f"{_num(mem['total'])} MB ({'fits' if mem['total'] <= budget_mb else 'does NOT fit'}).",
        f"- graph snapshot: above PARLEY_GRAPH_SNAPSHOT_MAX_ITEMS ({snapshot_max:,}) a worker keeps no "
        "snapshot and reads each neighbourhood from the graph with the bounded Cypher query (hubs not "
        f"expanded, LIMIT): p50/p95 {g['cypher_ms']['p50']}/{g['cypher_ms']['p95']} ms against "
        f"{g['snapshot_ms']['p50']}/{g['snapshot_ms']['p95']} ms from the snapshot, the same requests on the "
        f"same {g['items']:,}-item graph. Neo4j then holds the graph once for all workers, and a shared "
        "cache (the same seeds give the same rows) takes the repeats. Both grow with the hubs (a genre "
        f"links a share of all movies): the snapshot's kg source took {rk['sources_p50'].get('kg', 0.0)} ms "
        f"p50 at {n:,} items.",
        f"- without the snapshot a worker still holds {rest_kb:.1f} KB per item (catalogue objects, item "
        f"table, entity index, CF arrays): about {rest_fits:,} items in {budget_mb:,.0f} MB. Past that the "
        "item table and the catalogue move out of the worker too (columns in the database or the graph, "
        "read per request for the candidates only).",
        f"- fusion: {rk['fuse_us_per_candidate']} µs per candidate, {_num(rk['candidates_p50'])} candidates "
        "per request: fusion is bounded by the sources' pools, not by the catalogue; what grows with "
        "the catalogue is the CF scorers (dense rows over every item) and the snapshot's hub lists.",
        f"- CF training: item KNN holds its items² similarity matrix while training "
        f"({_num(big['cf']['knn_matrix_mb'])} MB for {big['cf']['knn_items']:,} items with enough ratings at "
        f"{n:,}); it passes {budget_mb:,.0f} MB at {knn_limit:,} such items, about {knn_catalogue:,} catalogue "
        "items at this share: beyond that it is trained offline on a bigger machine (or replaced by "
        "approximate neighbours), published once (`parley ingest`, PARLEY_ARTIFACTS_DIR) and loaded by every worker.",
        "- vectors: embedding is the slowest build on CPU (see the rate above): embed once on a GPU or "
        "in parallel, keep the vectors in a Chroma server shared by the workers (PARLEY_CHROMA_URL).",
    ]


def disk_limits(rows: list[dict[str, Any]], budget_mb: float) -> list[str]:
    """The on-disk worker at the largest size it ran (``rows``: every size, run or projected)."""
    done = [f for f in rows if f.get("disk")]
    if not done:
        return []
    big = max(done, key=lambda f: f["items"])
    d, n = big["disk"], big["items"]
    served = d["memory_mb"]["served"]
    fits = "fits" if served["rss"] <= budget_mb else "does NOT fit"
    ran = [f for f in rows if "projected_from" not in f and "entity_index" in f["memory_mb"]]
    index = max(ran, key=lambda f: f["items"])
    index_kb = 1000 * index["memory_mb"]["entity_index"] / index["items"]
    return [
        f"- on disk (PARLEY_ITEMS_IN_MEMORY_MAX, the snapshot off): the {n:,}-item worker measured "
        f"{_num(served['rss'])} MB after its requests ({_num(served['anon'])} MB its own, "
        f"{_num(served['file'])} MB file-backed: library and mapped CF pages, shared by a host's workers "
        f"and given back under pressure, at most the {_num(d['store_mb']['cf'])} MB of CF files): {fits} in "
        f"{budget_mb:,.0f} MB, ranker p50/p95 {d['p50']}/{d['p95']} ms against {d['memory_ranker']['p50']}/"
        f"{d['memory_ranker']['p95']} ms in memory, the same top 5. Not in that figure: the entity index "
        f"that links names in messages ({index_kb:.1f} KB per item measured at {index['items']:,} items, in "
        "memory in every worker: the next to move out, as SQLite key tables with a trigram search).",
    ]


def available_mb() -> float:
    """MemAvailable of this machine (MB)."""
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        for line in meminfo:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    return 0.0


def projected_rss_mb(rows: list[dict[str, Any]], size: int) -> float:
    """A worker's RSS at ``size`` items, linear per item from the largest size measured."""
    big = max(rows, key=lambda f: f["items"])
    mem = big["memory_mb"]
    return float(mem["baseline"] + (mem["total"] - mem["baseline"]) * size / big["items"])


def disk_probe_mb(rows: list[dict[str, Any]], size: int) -> float:
    """The on-disk probe's own peak at ``size``: it builds the catalogue, the item table and the CF
    model in memory before writing them (linear per item from the largest size measured)."""
    big = max(rows, key=lambda f: f["items"])
    mem = big["memory_mb"]
    per_item = (mem["catalogue"] + mem["item_table"] + mem["cf"]) / big["items"]
    return float(mem["baseline"] + per_item * size)


def project(rows: list[dict[str, Any]], size: int) -> dict[str, Any]:
    """Every figure of a size that was not run, from the largest measured one: counts, memory,
    stores linear in items; item-KNN quadratic in its items; the ranker's p50/p95 by the power law
    through the two largest measured sizes (linear with only one)."""
    ordered = sorted(rows, key=lambda f: f["items"])
    big = ordered[-1]
    k = size / big["items"]
    exponent = {"p50": 1.0, "p95": 1.0}
    if len(ordered) > 1 and ordered[-2]["items"] < big["items"]:
        prev = ordered[-2]
        steps = math.log(big["items"] / prev["items"])
        exponent = {p: math.log(big["ranker"][p] / max(prev["ranker"][p], 1e-9)) / steps for p in exponent}
    mem = big["memory_mb"]
    memory = {part: round(mb * k, 1) for part, mb in mem.items() if part not in ("baseline", "total")}
    cf = big["cf"]
    svd, knn = (cf["svd_s"], cf["knn_s"]) if "svd_s" in cf else (0.0, cf["seconds"])
    scaled = {"how": EXTRAPOLATED, "factor": round(k, 2)}
    return {
        "items": size,
        "projected_from": big["items"],
        "exponent": exponent,
        "ratings": round(big["ratings"] * k),
        "users": round(big["users"] * k),
        "facts": round(big["facts"] * k),
        "memory_mb": memory | {"baseline": mem["baseline"], "total": projected_rss_mb(rows, size)},
        "ranker": big["ranker"] | {p: round(big["ranker"][p] * k ** exponent[p], 1) for p in exponent},
        "graph": big["graph"]
        | scaled
        | {"seconds": big["graph"]["seconds"] * k, "mb": big["graph"]["mb"] * k},
        "vectors": big["vectors"]
        | scaled
        | {"seconds": big["vectors"]["seconds"] * k, "mb": big["vectors"]["mb"] * k},
        "cf": cf
        | {"how": EXTRAPOLATED, "seconds": svd * k + knn * k**2, "mb": cf["mb"] * k}
        | {"knn_items": round(cf["knn_items"] * k), "knn_matrix_mb": cf["knn_matrix_mb"] * k**2},
    }


def projection_report(f: dict[str, Any], guard_mb: float) -> list[str]:
    mem, rk, e = f["memory_mb"], f["ranker"], f["exponent"]
    return [
        f"== {f['items']:,} items: NOT RUN: a worker would need ~{_num(mem['total'])} MB (linear per item "
        f"from the {f['projected_from']:,}-item run), over this run's memory guard of {_num(guard_mb)} MB "
        f"on this shared machine. Every figure of this size is EXTRAPOLATED "
        f"from the {f['projected_from']:,}-item run:",
        f"  ~{f['ratings']:,} ratings, ~{f['facts']:,} facts; worker RSS ~{_num(mem['total'])} MB, of it the "
        f"snapshot ~{_num(mem['snapshot'])} MB, the catalogue ~{_num(mem['catalogue'])} MB, the item table "
        f"~{_num(mem['item_table'])} MB, CF ~{_num(mem['cf'])} MB (linear in items)",
        f"  ranker ~{rk['p50']} / ~{rk['p95']} ms p50 / p95 (power law through the two largest runs: "
        f"exponents {e['p50']:.2f} / {e['p95']:.2f})",
        f"  graph ingest ~{_num(f['graph']['seconds'])} s, ~{_num(f['graph']['mb'])} MB; vectors ingest "
        f"~{_num(f['vectors']['seconds'])} s, ~{_num(f['vectors']['mb'])} MB; CF fit ~{_num(f['cf']['seconds'])} s "
        f"(item KNN quadratic); item-KNN similarity matrix ~{_num(f['cf']['knn_matrix_mb'])} MB",
    ]


def run_scale_bench(
    settings: Settings,
    sizes: tuple[int, ...] = DEFAULT_SIZES,
    quick: bool = False,
    seed: int = 0,
    timeout_s: float = 3600.0,
    max_rss_mb: float | None = None,
) -> int:
    """Measure each size in its own process, smallest first; a size whose worker would need more
    than ``max_rss_mb`` (default: half the memory available now) is extrapolated, not run."""
    guard = max_rss_mb if max_rss_mb else available_mb() / 2
    print(
        f"[bench scale] synthetic catalogues {', '.join(f'{s:,}' for s in sizes)} items (seed {seed}), each "
        f"size in a fresh process{' (quick: small samples)' if quick else ''}; memory guard {_num(guard)} MB",
        flush=True,
    )
    rows: list[dict[str, Any]] = []
    for size in sorted(sizes):
        measured = [f for f in rows if "projected_from" not in f]
        if measured and projected_rss_mb(measured, size) > guard:
            rows.append(project(measured, size))
            print("\n".join(projection_report(rows[-1], guard)), flush=True)
            if disk_probe_mb(measured, size) <= guard:  # the on-disk worker is measured at this size
                rows[-1]["disk"] = run_probe(size, settings, quick, seed, timeout_s, disk_only=True)["disk"]
                print(disk_line(rows[-1]["disk"]), flush=True)
            continue
        rows.append(run_probe(size, settings, quick, seed, timeout_s))
        print("\n".join(size_report(rows[-1])), flush=True)
    measured = [f for f in rows if "projected_from" not in f]
    print(
        "\n".join(
            [
                "",
                *table(rows),
                "",
                *limits(measured, WORKER_BUDGET_MB, settings.graph_snapshot_max_items),
                *disk_limits(rows, WORKER_BUDGET_MB),
            ]
        )
    )
    return 0

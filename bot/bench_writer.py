"""``parley bench writer``: how much of each reply the LLM writes, whether what it writes is true, and
how fast it comes, over a fixed set of recommendation turns (and "why" turns), printed.

- LLM share: items whose shown blurb is the LLM's; turns wholly LLM-written (every blurb).
- Faithfulness, checked independently of the validator: every person (a cast or crew name of the
  catalogue), title (a catalogue title of two words or more, as written) and year in each shown
  blurb must be on that item's card (or be a film the person named, with its year).
- Rejections by kind (the validator's problem kinds of rejected drafts).
- Latency: list shown, first prose text, full reply, why answers; tokens in/out per turn.
Sessions live in a temporary SQLite file. The load average is printed beside the figures.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections import Counter
from pathlib import Path

from bot.recommender import Recommender
from bot.session_store import SqliteSessionStore
from bot.settings import Settings
from bot.types import DoneEvent, RecommendationsEvent, Reply, TextChunkEvent
from bot.writing import FactCard
from tools.timing import percentiles

DIALOGUES: tuple[tuple[str, ...], ...] = (
    ("I loved Heat, something similar please", "another one", "why the first one?"),
    ("I loved Heat and Collateral, something similar please",),
    ("Toy Story and Finding Nemo were great", "something older"),
    ("I hated Titanic. I loved Alien and The Thing.", "why the second one?"),
    ("Pulp Fiction, Fargo and Reservoir Dogs", "only films after 2000"),
    ("Something with Tom Hanks, but not a war film", "another one"),
    ("I like The Godfather", "more like the second one"),
    ("The Matrix was amazing", "why the first one?"),
    ("I enjoyed Groundhog Day and Annie Hall",),
    ("Star Wars and Raiders of the Lost Ark", "something newer"),
    ("I loved The Shawshank Redemption", "another one"),
    ("Jurassic Park was great fun", "why the third one?"),
    ("I liked Se7en and The Silence of the Lambs",),
    ("Amelie and Before Sunrise", "something else"),
    ("Anything by Christopher Nolan?", "another one"),
    ("I loved Goodfellas", "why the first one?"),
    ("Back to the Future and Ghostbusters", "more"),
    ("I enjoyed Forrest Gump", "something older"),
    ("The Lion King and Aladdin", "another one"),
    ("Blade Runner and 2001: A Space Odyssey", "why the second one?"),
    ("I like Fight Club", "more like the first one"),
    ("Casablanca is my favourite",),
    ("I liked Die Hard and Lethal Weapon", "another one"),
    ("Monty Python and the Holy Grail", "something newer"),
    ("I loved Schindler's List",),
    ("Braveheart and Gladiator", "another one"),
    ("The Usual Suspects was brilliant",),
    ("I liked Twelve Monkeys and Memento",),
    ("Good Will Hunting and Dead Poets Society", "something else"),
    ("Terminator 2 and Aliens",),
)
DASH = " — "


def _people_and_titles(rec: Recommender) -> tuple[set[str], set[str]]:
    catalogue = rec.toolbox.stores.catalogue()
    people = {f.value for f in catalogue.facts if f.relation in ("director", "cast") and " " in f.value}
    titles = {i.title for i in catalogue.items.values() if len(i.title.split()) >= 2}
    return people, titles


def violations(body: str, card: FactCard, named: set[str], people: set[str], titles: set[str]) -> list[str]:
    """Persons, titles and years in ``body`` that are not on ``card`` (nor films the person named)."""
    allowed = f"{card.model_copy(update={'wish': ''}).facts_text()} {' '.join(named)}"
    found = [f"year {y}" for y in re.findall(r"\b(?:18|19|20)\d\d\b", body) if y not in allowed]
    found += [f"person {p}" for p in people if p in body and p not in allowed]
    found += [f"title {t}" for t in titles if t in body and t != card.title and t not in allowed]
    return found


def _blurbs(reply: Reply) -> dict[int, str]:
    """The shown body of each item's line ("2. Collateral (2004) — body")."""
    out: dict[int, str] = {}
    lines = reply.text.splitlines()
    for n, r in enumerate(reply.recommendations, 1):
        line = next((x for x in lines if x.startswith(f"{n}. {r.title}") and DASH in x), "")
        out[r.item_id] = line.split(DASH, 1)[1] if line else ""
    return out


def _summary(label: str, samples: list[float], unit: str = "ms") -> str:
    p = percentiles(samples)
    return f"{label:<26} p50 {p['p50']:8.1f} {unit}  p95 {p['p95']:8.1f} {unit}  (n={len(samples)})"


def run_writer_bench(settings: Settings, turns: int = 40) -> int:
    base = Recommender.from_settings(settings)
    model = settings.openai_model if settings.llm == "openai" else settings.llm_model_size
    threads = (
        f" threads={settings.llm_n_threads}/{settings.llm_n_threads_batch}"
        if settings.llm == "embedded"
        else ""
    )
    parallel = getattr(base.writer.llm, "parallel", 1)
    label = f"{settings.llm} {model}{threads} parallel={parallel} budget={settings.writer_budget_s:g}s"
    try:
        return bench_writer(base, turns, label)
    finally:
        base.close()


def bench_writer(base: Recommender, turns: int = 40, label: str = "") -> int:
    """The benchmark over ``base`` (its toolbox and LLM), sessions in a temporary store."""
    people, titles = _people_and_titles(base)
    with tempfile.TemporaryDirectory(prefix="parley-bench-writer-") as tmp:
        rec = base.with_options(store=SqliteSessionStore(Path(tmp) / "sessions.sqlite3"), max_questions=0)
        cards = rec.writer.cards
        print(f"[bench writer] {label} turns>={turns} load={os.getloadavg()[0]:.1f}")
        rec.new_session().respond("I loved Heat")  # warm-up (model load, caches), not counted
        lists, firsts, fulls, whys = [], [], [], []
        tokens_in, tokens_out = [], []
        items = llm_items = rec_turns = llm_turns = bad = 0
        kinds: Counter[str] = Counter()
        examples: list[str] = []
        done = 0
        for dialogue in DIALOGUES:
            session = rec.new_session()
            for message in dialogue:
                started = time.perf_counter()
                first_list = first_text = None
                reply: Reply | None = None
                for event in session.stream(message):
                    now = (time.perf_counter() - started) * 1000
                    if isinstance(event, RecommendationsEvent) and first_list is None:
                        first_list = now
                    elif isinstance(event, TextChunkEvent) and first_text is None:
                        first_text = now
                    elif isinstance(event, DoneEvent):
                        reply = event.reply
                total = (time.perf_counter() - started) * 1000
                done += 1
                if reply is None:
                    continue
                steps = [s for s in reply.trace if s.name == "writer"]
                args = steps[-1].args if steps else {}
                kinds.update(args.get("rejected", []))
                if args.get("task") == "why":
                    whys.append(total)
                    print(f"turn {done:3d} why  {total:8.0f} ms  {args.get('kind')}  {reply.text[:90]!r}")
                    continue
                if not reply.recommendations:
                    continue
                rec_turns += 1
                lists.append(first_list or total)
                firsts.append(first_text or total)
                fulls.append(total)
                tokens_in.append(float(args.get("tokens_in", 0)))
                tokens_out.append(float(args.get("tokens_out", 0)))
                by = args.get("items", {})
                shown = _blurbs(reply)
                named = {t for t in titles if t in message}
                for r in reply.recommendations:
                    items += 1
                    llm_items += by.get(str(r.item_id)) == "llm"
                    if cards is not None and by.get(str(r.item_id)) == "llm":
                        wrong = violations(shown[r.item_id], cards.card(r, message), named, people, titles)
                        bad += len(wrong)
                        examples.extend(f"{r.title}: {w}" for w in wrong)
                llm_turns += bool(by) and set(by.values()) == {"llm"}
                print(f"turn {done:3d} list {first_list or 0:6.0f} ms  text {first_text or 0:7.0f} ms  "
                      f"full {total:7.0f} ms  {args.get('kind')} {sum(v == 'llm' for v in by.values())}/"
                      f"{len(reply.recommendations)}  {message[:36]!r}")  # fmt: skip
            if rec_turns >= turns:
                break
        print(f"--- {rec_turns} recommendation turns, {len(whys)} why turns; load average now "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")  # fmt: skip
        print(f"LLM share: items {llm_items}/{items} = {100 * llm_items / max(items, 1):.0f}%; "
              f"turns wholly LLM {llm_turns}/{rec_turns} = {100 * llm_turns / max(rec_turns, 1):.0f}%")  # fmt: skip
        print(f"faithfulness (independent): {bad} violations in shown LLM blurbs {examples[:5]}")
        print(f"rejections by kind: {dict(kinds.most_common())}")
        print(_summary("list shown", lists))
        print(_summary("first prose text", firsts))
        print(_summary("full reply", fulls))
        print(_summary("why answer", whys))
        print(_summary("tokens in per turn", tokens_in, "tok"))
        print(_summary("tokens out per turn", tokens_out, "tok"))
        p = {name: percentiles(xs) for name, xs in (("list", lists), ("first", firsts), ("full", fulls),
                                                    ("why", whys), ("in", tokens_in), ("out", tokens_out))}  # fmt: skip
        print("README row: | " + " | ".join([
            label, str(rec_turns), f"{100 * llm_items / max(items, 1):.0f}%",
            f"{100 * llm_turns / max(rec_turns, 1):.0f}%", str(bad), f"{p['list']['p95'] / 1000:.2f} s",
            f"{p['first']['p50'] / 1000:.1f} s", f"{p['full']['p50'] / 1000:.1f} / {p['full']['p95'] / 1000:.1f} s",
            f"{p['why']['p50'] / 1000:.1f} s", f"{p['in']['p50']:.0f} / {p['out']['p50']:.0f}",
        ]) + " |")  # fmt: skip
    return 0

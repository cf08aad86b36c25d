"""The grounded writer through the public API: one blurb per item from its fact card, checked
against that card, one retry, then that item's template line (a scripted LLM, on real stores)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.llm.base import ChatMessage, Completion, LLMBackend, LLMError
from bot.recommender import InvalidInputError, Recommender
from bot.types import DoneEvent, TextChunkEvent
from bot.writing import DraftValidator
from tests.doubles.fake_llm import FakeLLM


class ScriptedLLM(LLMBackend):
    """Returns scripted writer drafts in order; JSON extraction is unsupported."""

    name = "scripted"
    supports_json = False

    def __init__(self, drafts: list[str | Exception]) -> None:
        self.drafts = list(drafts)
        self.calls: list[list[ChatMessage]] = []
        self.budgets: list[int] = []  # max_tokens of every call

    def complete(
        self, messages: list[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.0
    ) -> Completion:
        self.calls.append(messages)
        self.budgets.append(max_tokens)
        draft = self.drafts.pop(0) if self.drafts else "nothing"
        if isinstance(draft, Exception):
            raise draft
        return Completion(text=draft)

    def stream(
        self, messages: list[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.0
    ) -> Iterator[str]:
        yield self.complete(messages, max_tokens=max_tokens).text

    def complete_json(
        self,
        messages: list[ChatMessage],
        schema: dict[str, Any],
        *,
        max_tokens: int = 256,
        timeout_s: float | None = None,
    ) -> dict[str, Any]:
        raise LLMError("not supported")

    def complete_with_tools(
        self, messages: list[ChatMessage], tools: list[dict[str, Any]], **kwargs: Any
    ) -> Completion:
        raise LLMError("not supported")


@pytest.fixture
def rec(make_recommender: Callable[..., Recommender]) -> Recommender:
    return make_recommender(None)


def blurbs(llm: ScriptedLLM) -> list[list[ChatMessage]]:
    return [c for c in llm.calls if "Task: blurb" in c[1].content]


def test_a_title_outside_the_list_is_rejected_per_item(make_recommender: Callable[..., Recommender]) -> None:
    llm = ScriptedLLM(["You should watch The Sound of Music and Grease."] * 20)
    reply = make_recommender(llm).new_session().respond("I loved Heat")
    assert reply.writer == "template"
    assert "Sound of Music" not in reply.text or any(
        "Sound of Music" in r.title for r in reply.recommendations
    )
    assert len(blurbs(llm)) == 2 * len(reply.recommendations)  # each blurb re-asked once
    assert all(r.title in reply.text for r in reply.recommendations)  # titles are inserted by code


def test_a_grounded_blurb_is_the_llms(make_recommender: Callable[..., Recommender], rec: Recommender) -> None:
    expected = rec.new_session().respond("I loved Heat").recommendations
    first = expected[0]
    llm = ScriptedLLM(["It is a great pick for you tonight."] * 20)
    reply = make_recommender(llm).new_session().respond("I loved Heat")
    assert reply.recommendations[0].item_id == first.item_id
    assert reply.writer == "llm"
    assert first.title in reply.text and "great pick for you tonight" in reply.text
    writer = next(s for s in reply.trace if s.name == "writer")
    assert writer.args["kind"] == "llm" and set(writer.args["items"].values()) == {"llm"}


def test_an_invented_plot_is_replaced_by_that_items_template_line(
    make_recommender: Callable[..., Recommender],
) -> None:
    invented = "It is set in a dystopian future where humans battle giant robots on Mars, a harsh wasteland."
    llm = ScriptedLLM([invented] * 20)
    reply = make_recommender(llm).new_session().respond("I loved Heat")
    assert reply.writer == "template"
    assert "robots" not in reply.text
    assert "not on the card" in blurbs(llm)[1][1].content  # the retry was told why


def test_one_bad_blurb_of_five_leaves_four_llm_blurbs(
    make_recommender: Callable[..., Recommender], rec: Recommender
) -> None:
    expected = rec.new_session().respond("I loved Heat").recommendations
    assert len(expected) == 5
    bad = expected[2]

    def answer(messages: list[ChatMessage]) -> str:
        if f"Movie: {bad.title}\n" in messages[1].content:
            return "Tom Hanks stars in this 1907 tale of giant robots battling emperors on frozen Mars."
        return "It is a great pick for you tonight."

    llm = FakeLLM(answer, supports_json=False)
    reply = make_recommender(llm).new_session().respond("I loved Heat")
    writer = next(s for s in reply.trace if s.name == "writer")
    assert writer.args["kind"] == "mixed"
    by = writer.args["items"]
    assert [by[str(r.item_id)] for r in reply.recommendations] == ["llm", "llm", "template", "llm", "llm"]
    items = [x for x in reply.text.splitlines() if x[:1].isdigit()]
    assert sum("great pick for you tonight" in x for x in items) == 4
    assert "Tom Hanks" not in reply.text and "robots" not in reply.text
    line = next(x for x in reply.text.splitlines() if x.startswith(f"3. {bad.title}"))
    assert bad.reasons[0].text[1:] in line  # its template line: its reasons
    assert reply.writer == "llm"  # most of the reply is still the LLM's


def test_llm_failure_falls_back_to_template(make_recommender: Callable[..., Recommender]) -> None:
    llm = ScriptedLLM([LLMError("down"), LLMError("down")])
    reply = make_recommender(llm).new_session().respond("I loved Heat")
    assert reply.writer == "template"
    assert reply.recommendations
    assert len(llm.calls) == 1  # a backend that is down is not asked again this turn


def test_the_reply_streams_piece_by_piece(make_recommender: Callable[..., Recommender]) -> None:
    llm = ScriptedLLM(["It is a great pick for you tonight."] * 20)
    events = list(make_recommender(llm).new_session().stream("I loved Heat"))
    order = [e.type for e in events]
    assert order.index("recommendations") < order.index("text") < order.index("done")
    texts = [e.text for e in events if isinstance(e, TextChunkEvent)]
    done = events[-1]
    assert isinstance(done, DoneEvent) and len(texts) >= 3
    assert "".join(texts).strip() == done.reply.text


def test_why_is_answered_in_the_llms_words(make_recommender: Callable[..., Recommender]) -> None:
    llm = ScriptedLLM(["Like Heat, it is a great pick for you tonight."] * 20)
    session = make_recommender(llm).new_session()
    first = session.respond("I loved Heat").recommendations[0]
    why = session.respond("why the first one?")
    assert why.writer == "llm"
    assert why.text.startswith(f"Why {first.title}") and "great pick for you tonight" in why.text
    assert "Task: why" in llm.calls[-1][1].content


def test_a_why_that_says_nothing_of_the_liked_film_is_the_templates(
    make_recommender: Callable[..., Recommender],
) -> None:
    """Seen on the embedded model: "why the second one?" answered with the film's heroine and
    nothing of Heat. A why must name something of its connection (a liked film or person)."""
    llm = ScriptedLLM(["It is a great pick for you tonight."] * 20)
    session = make_recommender(llm).new_session()
    session.respond("I loved Heat")
    why = session.respond("why the first one?")
    assert why.writer == "template" and "great pick for you tonight" not in why.text
    assert "Heat" in why.text
    steps = [s for s in why.trace if s.name == "writer"]
    assert steps and "connects to" in steps[-1].summary


def test_validator_checks_which_film_a_person_is_tied_to(rec: Recommender) -> None:
    recs = rec.new_session().respond("I loved Heat").recommendations
    validator = DraftValidator(rec.toolbox.index)
    with_person = [
        (r, p)
        for r in recs
        for p in ("Al Pacino", "Robert De Niro", "Michael Mann", "Val Kilmer", "Jon Voight", "Tom Sizemore")
        if p in " ".join(reason.text for reason in r.reasons)
    ]
    assert with_person, [r.reasons for r in recs]
    owner, person = with_person[0]
    other = next(r for r in recs if person not in " ".join(reason.text for reason in r.reasons))
    good = f"{owner.title} is a good pick: {person} is also in Heat."
    bad = f"{other.title} is a good pick: {person} is also in Heat."
    assert not [p for p in validator.problems(good, recs, {6}) if "ties" in p or "evidence" in p]
    assert any("ties" in p for p in validator.problems(bad, recs, {6}))


def test_validator_accepts_the_year_of_a_liked_film_but_not_a_stray_year(rec: Recommender) -> None:
    recs = [r for r in rec.new_session().respond("I loved Heat").recommendations if r.year != 1995]
    assert recs and "1995" not in repr([r.reasons for r in recs])  # Heat's year is in no evidence
    validator = DraftValidator(rec.toolbox.index)
    body = " ".join(f"{r.title}: {r.reasons[0].text}." for r in recs)
    liked_year = f"Since you loved Heat (1995), here goes. {body}"
    stray_year = f"Since you loved Heat (1907), here goes. {body}"
    assert not [p for p in validator.problems(liked_year, recs, {6}) if "year" in p]
    assert any("1907" in p for p in validator.problems(stray_year, recs, {6}))


def test_the_writer_token_budget_is_a_setting(make_recommender: Callable[..., Recommender]) -> None:
    llm = ScriptedLLM(["nothing"] * 20)
    make_recommender(llm, writer_max_tokens=21).new_session().respond("I loved Heat")
    assert llm.budgets and max(llm.budgets) == 21  # below every task's own cap


class SlowLLM(ScriptedLLM):
    """Each streamed draft takes ``seconds`` (word by word), like a loaded CPU."""

    def __init__(self, seconds: float) -> None:
        super().__init__(["It is a great pick for you tonight."] * 20)
        self.seconds = seconds
        self.closed = 0  # drafts stopped before their end

    def stream(
        self, messages: list[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.0
    ) -> Iterator[str]:
        words = self.complete(messages, max_tokens=max_tokens).text.split(" ")
        try:
            for word in words:
                time.sleep(self.seconds / len(words))
                yield word + " "
        except GeneratorExit:
            self.closed += 1
            raise


def test_past_the_writer_budget_the_rest_are_template_lines(
    make_recommender: Callable[..., Recommender],
) -> None:
    llm = SlowLLM(0.4)
    started = time.perf_counter()
    reply = make_recommender(llm, writer_budget_s=1.0).new_session().respond("I loved Heat")
    took = time.perf_counter() - started
    writer = next(s for s in reply.trace if s.name == "writer")
    by = [writer.args["items"][str(r.item_id)] for r in reply.recommendations]
    assert by[0] == "llm" and "template" in by  # the first blurb is the LLM's, the late ones are not
    assert "time" in writer.args["rejected"]
    assert len(llm.calls) <= 4  # opening + blurbs begun within the second; none after it
    assert took < 4.0, took  # it did not wait for six drafts of 0.4 s
    assert all(r.title in reply.text for r in reply.recommendations)  # every item still has its line


def test_a_draft_running_past_the_budget_is_stopped(make_recommender: Callable[..., Recommender]) -> None:
    llm = SlowLLM(3.0)
    reply = make_recommender(llm, writer_budget_s=1.0).new_session().respond("I loved Heat")
    assert llm.closed == 1 and len(llm.calls) == 1  # the opening was cut at the budget, nothing after
    assert reply.writer == "template" and len(reply.recommendations) == 5


def test_unknown_recommender_options_are_refused(make_recommender: Callable[..., Recommender]) -> None:
    with pytest.raises(InvalidInputError, match="writer_budget"):
        make_recommender(None, writer_budget_s=-1)
    with pytest.raises(InvalidInputError, match="no_such_option"):
        make_recommender(None, no_such_option=1)


def test_when_time_is_short_a_rejected_blurb_is_not_re_asked(
    make_recommender: Callable[..., Recommender],
) -> None:
    llm = SlowLLM(0.3)
    llm.drafts = ["Tom Hanks stars in this 1907 tale of giant robots battling emperors on frozen Mars."] * 20
    reply = make_recommender(llm, writer_budget_s=3.0).new_session().respond("I loved Heat")
    writer = next(s for s in reply.trace if s.name == "writer")
    assert "time" not in writer.args["rejected"]  # every item got a draft within the budget...
    assert len(llm.calls) < 12  # ...because re-asks stopped once they would have cost a later item its turn
    assert len(llm.calls) > 6  # while there was time, rejected drafts were re-asked


def test_the_opening_is_asked_without_the_titles(make_recommender: Callable[..., Recommender]) -> None:
    llm = ScriptedLLM(["It is a great pick for you tonight."] * 20)
    reply = make_recommender(llm).new_session().respond("I loved Heat")
    opening = next(c for c in llm.calls if "Task: opening" in c[1].content)[1].content
    assert not [r.title for r in reply.recommendations if r.title in opening]  # nothing it could copy

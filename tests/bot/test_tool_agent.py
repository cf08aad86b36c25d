"""Tool-calling mode: the LLM chooses the tools (langgraph agent); same ``Reply`` as plan-first."""

from __future__ import annotations

from collections.abc import Callable

import prompts
from bot.llm.base import ChatMessage, Completion, LLMError, ToolCall
from bot.recommender import Recommender
from bot.state import DialogueState
from bot.types import Reply
from tests.doubles.fake_llm import FakeLLM, ScriptItem
from tools.preferences import Preferences

HEAT = 6


def planner(*rounds: ScriptItem) -> Callable[[list[ChatMessage]], ScriptItem]:
    """Answers the tool-calling agent with ``rounds`` in order (then "DONE"); the writer gets a
    draft that names no title."""
    queue = list(rounds)

    def answer(messages: list[ChatMessage]) -> ScriptItem:
        if messages and messages[0].content.startswith("You are Parley's retrieval planner"):
            return queue.pop(0) if queue else "DONE"
        return "Here are a few picks for you."

    return answer


def respond(make_recommender: Callable[..., Recommender], llm: FakeLLM, text: str, **kw: object) -> Reply:
    rec = make_recommender(llm, agent_mode="tools", **kw)
    return rec.new_session().respond(text)


def test_the_llm_chooses_the_tools_and_gets_a_grounded_list(
    make_recommender: Callable[..., Recommender],
) -> None:
    llm = FakeLLM(
        planner(
            Completion(
                tool_calls=[
                    ToolCall(name="vector_search", arguments={"text": "tense crime thriller, heist"}),
                    ToolCall(name="cf_score", arguments={"method": "knn"}),
                ]
            )
        ),
        supports_json=False,
    )
    reply = respond(make_recommender, llm, "I loved Heat, something similar please")
    assert reply.tools_chosen_by == "llm"
    assert HEAT in reply.profile.liked_items
    names = [step.name for step in reply.trace]
    assert names.count("agent") == 2  # the tool round, then "DONE"
    assert {"vector_search", "cf_score"} <= set(names)
    assert "fallback" not in names
    cf_step = next(step for step in reply.trace if step.name == "cf_score")
    assert cf_step.args["liked_item_ids"] == [HEAT]  # filled from the session profile
    ids = [r.item_id for r in reply.recommendations]
    assert ids and HEAT not in ids and len(set(ids)) == len(ids)
    rec_items = make_recommender(None).toolbox.items
    for item in reply.recommendations:
        assert item.item_id in rec_items
        assert item.reasons
        assert {r.source for r in item.reasons} <= {"kg", "cf", "vector"}
    # the tool results were shown back to the LLM before its second call
    agent_calls = [call for m, call in zip(llm.methods, llm.calls, strict=True) if m == "complete_with_tools"]
    assert len(agent_calls) == 2
    second = agent_calls[1]
    assert any(msg.role == "tool" and msg.name == "vector_search" for msg in second)


def test_hard_constraints_hold_whatever_the_llm_asks_for(
    make_recommender: Callable[..., Recommender],
) -> None:
    llm = FakeLLM(
        planner(Completion(tool_calls=[ToolCall(name="vector_search", arguments={"text": "crime heist"})])),
        supports_json=False,
    )
    reply = respond(make_recommender, llm, "I loved Heat but no crime movies please")
    assert "Crime" in reply.profile.genres_out
    assert reply.tools_chosen_by == "llm"
    assert reply.recommendations
    assert all("Crime" not in r.genres for r in reply.recommendations)


def test_bad_tool_calls_are_reported_and_the_plan_first_ranker_answers(
    make_recommender: Callable[..., Recommender],
) -> None:
    llm = FakeLLM(
        planner(
            Completion(
                tool_calls=[
                    ToolCall(name="delete_everything", arguments={}),
                    ToolCall(name="vector_search", arguments={"text": ""}),  # min_length=1
                ]
            )
        ),
        supports_json=False,
    )
    reply = respond(make_recommender, llm, "I loved Heat")
    failed = {step.name: step.summary for step in reply.trace if not step.ok}
    assert failed == {"delete_everything": "unknown tool", "vector_search": "bad arguments"}
    assert "fallback" in [step.name for step in reply.trace]
    assert reply.tools_chosen_by == "controller"
    assert reply.recommendations and all(r.reasons for r in reply.recommendations)


def test_llm_down_falls_back_to_plan_first(make_recommender: Callable[..., Recommender]) -> None:
    llm = FakeLLM(planner(LLMError("connection refused")), supports_json=False)
    reply = respond(make_recommender, llm, "I loved Heat")
    agent = next(step for step in reply.trace if step.name == "agent")
    assert not agent.ok and "connection refused" in agent.summary
    assert reply.tools_chosen_by == "controller"
    assert reply.recommendations


def test_both_modes_return_the_same_reply_shape(make_recommender: Callable[..., Recommender]) -> None:
    tool_calls = Completion(tool_calls=[ToolCall(name="kg_lookup", arguments={"action": "neighbours"})])
    tools_reply = respond(make_recommender, FakeLLM(planner(tool_calls), supports_json=False), "I loved Heat")
    plan_reply = (
        make_recommender(FakeLLM(planner(), supports_json=False), agent_mode="plan")
        .new_session()
        .respond("I loved Heat")
    )
    assert "agent" not in [step.name for step in plan_reply.trace]
    assert plan_reply.tools_chosen_by == "controller"
    assert tools_reply.tools_chosen_by == "llm"
    assert type(tools_reply) is type(plan_reply)
    assert tools_reply.profile.liked_items == plan_reply.profile.liked_items
    assert set(tools_reply.model_dump()) == set(plan_reply.model_dump())
    assert all(r.reasons and r.reasons[0].source == "kg" for r in tools_reply.recommendations[:1])


def test_auto_mode_follows_the_backend(make_recommender: Callable[..., Recommender]) -> None:
    assert make_recommender(FakeLLM(supports_tools=True), agent_mode="auto").tool_agent is not None
    assert make_recommender(FakeLLM(supports_tools=False), agent_mode="auto").tool_agent is None
    assert make_recommender(None, agent_mode="tools").tool_agent is None  # template writer: no LLM


def test_a_repeated_call_ends_the_loop_and_rounds_are_bounded(
    make_recommender: Callable[..., Recommender],
) -> None:
    same = Completion(tool_calls=[ToolCall(name="vector_search", arguments={"text": "heist"})])
    llm = FakeLLM(planner(same, same, same, same), supports_json=False)
    reply = respond(make_recommender, llm, "I loved Heat", agent_max_steps=4)
    names = [step.name for step in reply.trace]
    assert names.count("vector_search") == 1 and names.count("agent") == 2
    fresh = [
        Completion(tool_calls=[ToolCall(name="vector_search", arguments={"text": f"t{i}"})]) for i in range(5)
    ]
    llm = FakeLLM(planner(*fresh), supports_json=False)
    reply = respond(make_recommender, llm, "I loved Heat", agent_max_steps=2)
    names = [step.name for step in reply.trace]
    assert names.count("agent") == 2 and names.count("vector_search") == 2  # no third LLM call


def test_the_planner_prompt_lists_the_state_by_preference_field(
    make_recommender: Callable[..., Recommender],
) -> None:
    agent = make_recommender(FakeLLM(planner()), agent_mode="tools").tool_agent
    assert agent is not None
    state = DialogueState(
        liked_items=[HEAT], genres_out=["Horror"], year_min=1990, description="a tense heist"
    )
    lines = agent.preference_lines(state)
    fields = ("liked_items", "genres_out", "year_min", "description")
    assert [line["label"] for line in lines] == [Preferences.model_fields[f].title for f in fields]
    assert lines[0]["value"].endswith(f"(id {HEAT})") and "Heat" in lines[0]["value"]
    prompt = prompts.render("agent_user.j2", message="hi", preferences=lines)
    assert "Excluded genres: Horror." in prompt and "a tense heist" in prompt

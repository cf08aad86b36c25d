"""The tool-calling agent: the LLM chooses which tools to call (a langgraph graph, agent <-> tools).

Used with a backend that does tool calling well (vLLM with a tool-call parser). The graph:

    START -> agent --(tool calls)--> tools --(rounds left)--> agent ... --(no new calls)--> END
                                           +--(max_steps rounds done)--> END

``agent`` sends the conversation and the tools' OpenAI schemas to the backend
(``LLMBackend.complete_with_tools``, so native and text-written tool calls both work); ``tools`` runs
each call through the registry's pydantic ``Args`` (bad arguments become an error message the LLM
sees, never an exception) and keeps every returned candidate list with its evidence. Arguments the
LLM leaves empty are filled from the session profile (liked/disliked ids, exclusions), as injected
state. The candidate lists are then fused by the same ``Ranker.fuse`` as the plan-first controller,
so hard constraints, diversity and evidence are identical and the agent returns the same ``Reply``.
When the LLM calls no retrieval tool, or every call fails, the caller falls back to the plan-first
ranker (marked in the trace).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph
from pydantic import BaseModel, ValidationError

import prompts
from bot.llm.base import ChatMessage, LLMBackend, ToolCall
from bot.sanitise import InvalidInputError
from bot.state import DialogueState
from bot.types import ToolStep
from tools.engine import Toolbox
from tools.errors import ParleyError
from tools.preferences import SPECS, Preferences, has_any
from tools.profile import PreferenceProfile
from tools.registry import openai_schemas
from tools.scorers.base import ScoredItem
from tools.timing import ms_since

log = logging.getLogger(__name__)
RESULT_ITEMS_SHOWN = 8  # candidates per tool result shown back to the LLM (keeps prompts short)
PROMPT_LIST_ITEMS = 6  # latest entries of a preference list shown in the prompt
PROMPT_TEXT_CHARS = 300  # latest characters of the description shown in the prompt


class AgentGraphState(TypedDict):
    messages: list[ChatMessage]
    pending: list[ToolCall]
    steps: int
    found: dict[str, list[ScoredItem]]
    trace: list[ToolStep]
    called: list[str]  # signatures of the calls already run (a repeated call ends the loop)
    profile: PreferenceProfile  # this turn's profile: defaults for the arguments the LLM leaves out


class ToolAgentOutcome(BaseModel):
    """What the LLM's tool calls found: candidate lists by source, and the trace of the calls."""

    model_config = {"arbitrary_types_allowed": True}

    found: dict[str, list[ScoredItem]]
    trace: list[ToolStep]
    llm_calls: int


class ToolAgent:
    def __init__(self, toolbox: Toolbox, llm: LLMBackend, max_steps: int = 3) -> None:
        self.toolbox = toolbox
        self.llm = llm
        self.max_steps = max_steps
        self.schemas = openai_schemas()
        graph = StateGraph(AgentGraphState)
        graph.add_node("agent", self._agent_node)
        graph.add_node("tools", self._tools_node)
        graph.add_edge(START, "agent")
        graph.add_conditional_edges("agent", self._route, {"tools": "tools", "end": END})
        graph.add_conditional_edges("tools", self._after_tools, {"agent": "agent", "end": END})
        self.graph = graph.compile()

    def run(self, state: DialogueState, message: str) -> ToolAgentOutcome:
        start: AgentGraphState = {
            "messages": [
                ChatMessage(role="system", content=prompts.render("agent_system.j2")),
                ChatMessage(role="user", content=self._user_prompt(state, message)),
            ],
            "pending": [],
            "steps": 0,
            "found": {},
            "trace": [],
            "called": [],
            "profile": state.to_profile(),
        }
        final = self.graph.invoke(start, {"recursion_limit": 2 * self.max_steps + 3})
        return ToolAgentOutcome(found=final["found"], trace=final["trace"], llm_calls=final["steps"])

    # -- graph nodes ----------------------------------------------------------------------------------
    def _agent_node(self, state: AgentGraphState) -> dict[str, Any]:
        started = time.perf_counter()
        messages = state["messages"]
        try:
            out = self.llm.complete_with_tools(messages, self.schemas, max_tokens=200)
        except ParleyError as error:
            step = ToolStep(name="agent", summary=f"unavailable: {error}", ms=ms_since(started), ok=False)
            return {"pending": [], "steps": self.max_steps, "trace": [*state["trace"], step]}
        calls = [c for c in out.tool_calls[:4] if _signature(c) not in state["called"]]
        written = (
            json.dumps([{"name": c.name, "arguments": c.arguments} for c in calls]) if calls else out.text
        )
        step = ToolStep(
            name="agent",
            args={"tool_calls": [c.name for c in calls]},
            summary=f"{out.prompt_tokens} prompt / {out.completion_tokens} generated tokens",
            ms=ms_since(started),
        )
        return {
            "messages": [*messages, ChatMessage(role="assistant", content=written[:2000])],
            "pending": calls,
            "called": [*state["called"], *(_signature(c) for c in calls)],
            "steps": state["steps"] + 1,
            "trace": [*state["trace"], step],
        }

    def _route(self, state: AgentGraphState) -> str:
        return "tools" if state["pending"] else "end"

    def _after_tools(self, state: AgentGraphState) -> str:
        """Back to the LLM while it has tool rounds left (no final "done" call after the last)."""
        return "agent" if state["steps"] < self.max_steps else "end"

    def _tools_node(self, state: AgentGraphState) -> dict[str, Any]:
        messages = list(state["messages"])
        found = {name: list(items) for name, items in state["found"].items()}
        trace = list(state["trace"])
        for call in state["pending"]:
            started = time.perf_counter()
            arguments = with_session_defaults(call.name, dict(call.arguments), state["profile"])
            reply, summary, ok = self._run_call(call.name, arguments, found)
            shown = {k: v[:20] if isinstance(v, list) else v for k, v in arguments.items()}
            trace.append(ToolStep(name=call.name, args=shown, summary=summary, ms=ms_since(started), ok=ok))
            messages.append(ChatMessage(role="tool", name=call.name, content=reply))
        return {"messages": messages, "found": found, "pending": [], "trace": trace}

    # -- one tool call --------------------------------------------------------------------------------
    def _run_call(
        self, name: str, arguments: dict[str, Any], found: dict[str, list[ScoredItem]]
    ) -> tuple[str, str, bool]:
        """(message for the LLM, trace summary, ok)."""
        tool = self.toolbox.tools.get(name)
        if tool is None:
            return f"error: no tool named {name!r}", "unknown tool", False
        try:
            args = tool.Args.model_validate(arguments)
            result = tool.run(args)
        except ValidationError as error:
            problem = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()[:3])
            return f"error: bad arguments ({problem})", "bad arguments", False
        except ParleyError as error:
            return f"error: {error}", f"unavailable: {error}", False
        lists = candidate_lists(name, result)
        for source, items in lists.items():
            found.setdefault(source, []).extend(items)
        return self._describe(result, lists), _summary(result, lists), True

    def _describe(self, result: BaseModel, lists: dict[str, list[ScoredItem]]) -> str:
        """A short JSON rendering of a tool result for the LLM (ids, titles, first reason)."""
        if lists:
            shown = []
            for items in lists.values():
                for scored in items[:RESULT_ITEMS_SHOWN]:
                    row = self.toolbox.items.get(scored.item_id)
                    reason = scored.evidence[0].summary if scored.evidence else ""
                    title = row.display_title if row else str(scored.item_id)
                    shown.append({"id": scored.item_id, "title": title, "why": reason})
            return json.dumps(shown)[:3000]
        data = result.model_dump(exclude_none=True)
        if "entities" in data:
            data["entities"] = [
                {k: e[k] for k in ("kind", "entity_id", "name", "year", "confidence") if k in e}
                for e in data["entities"][:RESULT_ITEMS_SHOWN]
            ]
        return json.dumps(data, default=str)[:3000]

    def _user_prompt(self, state: DialogueState, message: str) -> str:
        return prompts.render(
            "agent_user.j2", message=message[:500], preferences=self.preference_lines(state)
        )

    def preference_lines(self, state: DialogueState) -> list[dict[str, str]]:
        """One {label, value} per preference field the state fills (``tools.preferences``, in field
        order): movies as "Title (id N)", lists and the description shortened to their latest part."""
        lines = []
        for name, spec in SPECS.items():
            if not has_any(state, (name,)):
                continue
            value = getattr(state, name)
            if spec.kind == "item":
                rows = [self.toolbox.items.get(i) for i in value[-PROMPT_LIST_ITEMS:]]
                shown = ", ".join(f"{r.display_title} (id {r.item_id})" for r in rows if r is not None)
            elif spec.kind == "outside":  # films beyond the catalogue: named, never recommendable
                films = [self.toolbox.extended.film(i) for i in value[-PROMPT_LIST_ITEMS:]]
                shown = ", ".join(f"{f.display_title} (not in the catalogue)" for f in films if f is not None)
            elif isinstance(value, list):
                shown = ", ".join(str(v) for v in value[-PROMPT_LIST_ITEMS:])
            elif isinstance(value, str):
                shown = value[-PROMPT_TEXT_CHARS:]
            else:
                shown = str(value)
            if shown:
                lines.append({"label": str(Preferences.model_fields[name].title), "value": shown})
        return lines


def tool_agent_for(toolbox: Toolbox, llm: LLMBackend | None, mode: str, max_steps: int) -> ToolAgent | None:
    """The tool-calling agent for ``mode`` ("tools", "plan" or "auto"), or None for plan-first."""
    if mode not in ("auto", "plan", "tools"):
        raise InvalidInputError(f"unknown agent mode {mode!r}; choose auto, plan or tools")
    if llm is None or mode == "plan" or (mode == "auto" and not llm.supports_tools):
        return None
    return ToolAgent(toolbox, llm, max_steps=max_steps)


def with_session_defaults(name: str, arguments: dict[str, Any], profile: PreferenceProfile) -> dict[str, Any]:
    """Arguments the LLM left out, filled from the session profile (liked/disliked ids, exclusions)."""
    excluded = sorted(profile.excluded_items)[:1000]
    if name == "cf_score":
        arguments.setdefault("liked_item_ids", list(profile.liked_items))
        arguments.setdefault("disliked_item_ids", list(profile.disliked_items))
        arguments.setdefault("exclude_item_ids", excluded)
        arguments.setdefault("limit", 50)
    elif name == "vector_search":
        arguments.setdefault("exclude_item_ids", excluded)
        arguments.setdefault("limit", 50)
    elif name == "kg_lookup" and arguments.get("action") in ("neighbours", "paths"):
        if not arguments.get("item_ids"):
            arguments["item_ids"] = list(profile.liked_items)
        arguments.setdefault("limit", 50 if arguments.get("action") == "neighbours" else 2)
    return arguments


def candidate_lists(tool_name: str, result: BaseModel) -> dict[str, list[ScoredItem]]:
    """The recommendable items in a tool result, keyed by the ranker source they correspond to."""
    data: dict[str, Any] = dict(result)
    if tool_name == "kg_lookup":
        if data.get("neighbours"):
            return {"kg": [ScoredItem(n.item_id, n.score, list(n.evidence)) for n in data["neighbours"]]}
        return {}
    if tool_name == "cf_score":
        source = "popularity" if data.get("fallback") else f"cf_{data.get('method', 'knn')}"
        return {source: [ScoredItem(i.item_id, i.score, list(i.evidence)) for i in data.get("items", [])]}
    if tool_name == "vector_search":
        return {"vector": [ScoredItem(i.item_id, i.score, list(i.evidence)) for i in data.get("items", [])]}
    return {}


def _summary(result: BaseModel, lists: dict[str, list[ScoredItem]]) -> str:
    if lists:
        return ", ".join(f"{len(items)} {source} candidates" for source, items in lists.items())
    data = dict(result)
    if data.get("entities") is not None and data.get("action") == "link":
        return f"{len(data['entities'])} entities"
    return str(data.get("action", "done"))


def _signature(call: ToolCall) -> str:
    return call.name + json.dumps(call.arguments, sort_keys=True, default=str)

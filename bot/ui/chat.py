"""The Gradio Blocks of the web chat: the full page (``/``) and the compact widget view (``/embed``).

Only the public API is used: ``Session.stream`` / ``feedback`` / ``remove_preference`` / ``history``.
The session id lives in the browser (``gr.BrowserState``, i.e. localStorage); everything else is in
the Recommender's session store, so a reload or a server restart resumes the conversation."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr

from bot.recommender import InvalidInputError, Session
from bot.types import DoneEvent, Recommendation, RecommendationsEvent, TextChunkEvent, ToolStepEvent
from bot.ui.render import (
    card_html,
    chat_text,
    history_to_chat,
    profile_entries,
    profile_html,
    refusal_text,
    reply_with_list,
    tool_step_message,
)
from bot.ui.sessions import SessionPool

log = logging.getLogger(__name__)
MAX_CARDS = 10
EXAMPLES = (
    "I loved Heat, something similar please",
    "A feel-good comedy from the 90s",
    "Something like Alien but less gory",
    "A mind-bending sci-fi film, nothing too long",
)
PLACEHOLDER = (
    "### Hi, I'm Parley\nTell me a film you loved, a mood, a director or what you'd rather avoid, "
    "and I'll find something to watch — with the reasons."
)
KINDS = (("like", "Like"), ("dislike", "Not for me"), ("seen", "Seen it"))
ACK = {"like": "Noted: you like", "dislike": "Got it — no more like", "seen": "Marked as seen:"}
TURN_CONCURRENCY_ID = "parley-turn"


class ChatApp:
    """Builds one Blocks (full or compact) over a shared ``SessionPool``."""

    def __init__(
        self, pool: SessionPool, compact: bool = False, max_cards: int = 5, secret: str | None = None
    ) -> None:
        self.pool = pool
        self.secret = secret  # BrowserState's encryption key: stable across restarts, or ids are lost
        self.compact = compact
        self.max_cards = max(1, min(max_cards, MAX_CARDS))
        self.example_count = 2 if compact else len(EXAMPLES)

    # -- helpers -------------------------------------------------------------------------------------
    def _session(self, sid: str) -> Session:
        return self.pool.get(sid)

    def _profile(self, session: Session | None) -> tuple[str, Any]:
        if session is None:
            return profile_html([]), gr.update(choices=[], value=None)
        entries = profile_entries(session.state, self.pool.title_of, self.pool.outside_title_of)
        choices = [(label, f"{field}|{value}") for field, value, label in entries]
        return profile_html(entries), gr.update(choices=choices, value=None)

    def _cards(self, recs: list[dict[str, Any]], notes: dict[int, str] | None = None) -> list[Any]:
        out: list[Any] = []
        for i in range(self.max_cards):
            if i < len(recs):
                rec = Recommendation.model_validate(recs[i])
                note = (notes or {}).get(rec.item_id, "")
                out += [gr.update(visible=True), gr.update(value=card_html(rec, i, note))]
            else:
                out += [gr.update(visible=False), gr.update(value="")]
        return out

    def _skip_cards(self) -> list[Any]:
        return [gr.skip()] * (2 * self.max_cards)

    # -- events --------------------------------------------------------------------------------------
    def load(self, sid: str | None, request: gr.Request) -> list[Any]:
        if not sid or len(sid) > 128:
            sid = self.pool.new_id()
        session = self._session(sid)
        chat, last = history_to_chat(session.history())
        greeting = request.query_params.get("greeting", "") if request is not None else ""
        if not chat and greeting:
            chat = [{"role": "assistant", "content": chat_text(greeting[:300])}]
        profile, choices = self._profile(session)
        ready = [gr.update(interactive=True)] * (2 + self.example_count)  # input enabled once loaded
        return [sid, chat, last, profile, choices, *ready, *self._cards(last)]

    def new_chat(self) -> list[Any]:
        sid = self.pool.new_id()
        profile, choices = self._profile(None)
        return [sid, [], [], profile, choices, "", *self._cards([])]

    def forget(self, sid: str) -> list[Any]:
        """Erase this conversation from the store (messages, state, feedback), then start a new one."""
        if sid and len(sid) <= 128:
            self.pool.forget(sid)
            gr.Info("This conversation is forgotten: its messages, likes and profile are erased.")
        return self.new_chat()

    def turn(self, text: str, sid: str, chat: list[dict[str, Any]]) -> Iterator[list[Any]]:
        """Outputs: session id, chatbot, textbox, recs state, profile html, remove dropdown, cards."""
        fresh = sid if sid and len(sid) <= 128 else self.pool.new_id()  # page still loading: start one
        first = True
        for out in self._turn(text, fresh, chat):
            yield [fresh if first and fresh != sid else gr.skip(), *out]
            first = False

    def _turn(self, text: str, sid: str, chat: list[dict[str, Any]]) -> Iterator[list[Any]]:
        skip = gr.skip()
        if not (text or "").strip():
            yield [skip, skip, skip, skip, skip, *self._skip_cards()]
            return
        chat = [*chat, {"role": "user", "content": chat_text(text)}]
        wait = self.pool.limiter.hit(sid)
        if wait is not None:  # a flood: a polite reply, nothing else changes
            chat.append({"role": "assistant", "content": chat_text(self.pool.limiter.message(wait))})
            yield [chat, "", skip, skip, skip, *self._skip_cards()]
            return
        think_id = f"think-{len(chat)}"
        thinking: dict[str, Any] = {
            "role": "assistant",
            "content": "",
            "metadata": {"title": "Thinking…", "id": think_id, "status": "pending"},
        }
        chat.append(thinking)
        started = time.perf_counter()
        yield [chat, "", skip, skip, skip, *self._skip_cards()]
        prose: dict[str, Any] | None = None  # the turn's one reply message: the list, then the prose in it
        listed: list[Recommendation] = []
        raw = ""

        def close_thinking() -> None:
            thinking["metadata"] = {
                "title": "Looked it up",
                "id": think_id,
                "status": "done",
                "duration": round(time.perf_counter() - started, 2),
            }

        try:
            session = self._session(sid)
            for event in session.stream(text):
                if isinstance(event, ToolStepEvent):
                    chat.append(tool_step_message(event.step, think_id))
                    yield [chat, skip, skip, skip, skip, *self._skip_cards()]
                elif isinstance(event, RecommendationsEvent):
                    close_thinking()
                    recs = [r.model_dump(mode="json") for r in event.recommendations]
                    listed = list(event.recommendations)
                    if listed and prose is None:
                        prose = {"role": "assistant", "content": reply_with_list(raw, listed)}
                        chat.append(prose)
                    yield [chat, skip, recs, skip, skip, *self._cards(recs)]
                elif isinstance(event, TextChunkEvent):
                    close_thinking()
                    raw += event.text
                    if prose is None:
                        prose = {"role": "assistant", "content": ""}
                        chat.append(prose)
                    prose["content"] = reply_with_list(raw, listed)
                    yield [chat, skip, skip, skip, skip, *self._skip_cards()]
                elif isinstance(event, DoneEvent):
                    close_thinking()
                    profile, choices = self._profile(session)
                    yield [chat, skip, skip, profile, choices, *self._skip_cards()]
        except InvalidInputError as error:
            close_thinking()
            chat.append({"role": "assistant", "content": chat_text(str(error))})
            yield [chat, skip, skip, skip, skip, *self._skip_cards()]
        except Exception:
            log.exception("web chat turn failed")
            close_thinking()
            chat.append(
                {"role": "assistant", "content": "Sorry — something went wrong on my side. Please try again."}
            )
            yield [chat, skip, skip, skip, skip, *self._skip_cards()]

    def feedback(self, index: int, kind: str, sid: str, recs: list[dict[str, Any]]) -> list[Any]:
        """Outputs: profile html, remove dropdown, then the cards."""
        if index >= len(recs):
            return [gr.skip(), gr.skip(), *self._skip_cards()]
        rec = Recommendation.model_validate(recs[index])
        wait = self.pool.limiter.hit(sid)
        if wait is not None:
            gr.Warning(self.pool.limiter.message(wait))
            return [gr.skip(), gr.skip(), *self._skip_cards()]
        session = self._session(sid)
        try:
            session.feedback(rec.item_id, kind)  # type: ignore[arg-type]
        except InvalidInputError as error:
            gr.Warning(str(error))
            return [gr.skip(), gr.skip(), *self._skip_cards()]
        gr.Info(f"{ACK[kind]} {rec.title}")
        profile, choices = self._profile(session)
        notes = self._notes(session, recs)
        return [profile, choices, *self._cards(recs, notes)]

    @staticmethod
    def _notes(session: Session, recs: list[dict[str, Any]]) -> dict[int, str]:
        state = session.state
        notes: dict[int, str] = {}
        for rec in recs:
            item = int(rec["item_id"])
            if item in state.liked_items:
                notes[item] = "liked"
            elif item in state.disliked_items:
                notes[item] = "dislike"
            elif item in state.seen:
                notes[item] = "seen"
        return notes

    def why(
        self, index: int, sid: str, chat: list[dict[str, Any]], recs: list[dict[str, Any]]
    ) -> Iterator[list[Any]]:
        if index >= len(recs):
            return
        yield from self.turn(f"why {recs[index]['title']}?", sid, chat)

    def remove(self, sid: str, choice: str | None) -> list[Any]:
        if not choice or "|" not in choice:
            return [gr.skip(), gr.skip()]
        field, value = choice.split("|", 1)
        session = self._session(sid)
        target: object = int(value) if field.endswith(("_items", "_outside")) and value.isdigit() else value
        try:
            session.remove_preference(field, target)
        except InvalidInputError as error:
            gr.Warning(str(error))
        return list(self._profile(session))

    # -- layout --------------------------------------------------------------------------------------
    def build(self, notice: str | None = None) -> gr.Blocks:
        compact = self.compact
        storage_key = "parley_embed_session" if compact else "parley_session"
        with gr.Blocks(title="Parley — movie recommendations", analytics_enabled=False) as blocks:
            sid = gr.BrowserState("", storage_key=storage_key, secret=self.secret)
            recs = gr.State([])
            if not compact:
                gr.HTML(
                    '<header class="p-header"><span class="p-logo" aria-hidden="true">P</span>'
                    "<div><h1>Parley</h1><p>Film recommendations you can argue with.</p></div></header>"
                )
            with gr.Row(equal_height=False, elem_classes="p-main"):
                with gr.Column(scale=3, min_width=320, elem_classes="p-chat-col"):
                    chatbot = gr.Chatbot(
                        elem_id="parley-chat",
                        show_label=False,
                        height="62vh" if not compact else "calc(100vh - 150px)",
                        min_height=260,
                        sanitize_html=True,
                        allow_tags=False,
                        render_markdown=True,
                        feedback_options=None,
                        latex_delimiters=[],
                        placeholder=PLACEHOLDER if notice is None else refusal_text(notice),
                        buttons=["copy"],
                        autoscroll=True,
                    )
                    with gr.Row(elem_classes="p-input-row"):
                        msg = gr.Textbox(
                            interactive=False,
                            show_label=False,
                            placeholder="Tell Parley what you feel like watching…",
                            lines=1,
                            max_lines=4,
                            max_length=2000,
                            scale=5,
                            autofocus=not compact,
                            elem_id="parley-input",
                        )
                        send = gr.Button(
                            "Send",
                            interactive=False,
                            variant="primary",
                            scale=1,
                            min_width=80,
                            elem_id="parley-send",
                        )
                    with gr.Row(elem_classes="p-tools-row", visible=notice is None):
                        example_buttons = [
                            gr.Button(e, size="sm", elem_classes="p-example", min_width=60, interactive=False)
                            for e in EXAMPLES[: self.example_count]
                        ]
                        reset = gr.Button("New chat", size="sm", elem_id="parley-new", min_width=60)
                        forget = gr.Button(
                            "Forget this conversation", size="sm", elem_id="parley-forget", min_width=60
                        )
                with gr.Column(scale=2, min_width=300, elem_classes="p-side"):
                    if not compact:
                        gr.HTML('<h2 class="p-side-title">Recommendations</h2>')
                    slots: list[Any] = []
                    for i in range(self.max_cards):
                        with gr.Group(
                            visible=False, elem_id=f"card-{i}", elem_classes="p-card-group"
                        ) as group:
                            html = gr.HTML(elem_classes="p-card-html")
                            with gr.Row(elem_classes="p-card-actions"):
                                kind_buttons = [
                                    (
                                        kind,
                                        gr.Button(label, size="sm", elem_id=f"card-{i}-{kind}", min_width=60),
                                    )
                                    for kind, label in KINDS
                                ]
                                why_button = gr.Button(
                                    "Why?", size="sm", elem_id=f"card-{i}-why", min_width=60
                                )
                        slots.append((group, html, kind_buttons, why_button))
                    with gr.Accordion(
                        "Your taste", open=not compact, elem_id="parley-profile", visible=notice is None
                    ):
                        profile = gr.HTML(profile_html([]))
                        with gr.Row():
                            remove_choice = gr.Dropdown(
                                choices=[], label="Remove an entry", scale=3, elem_id="parley-remove-choice"
                            )
                            remove = gr.Button("Remove", size="sm", scale=1, elem_id="parley-remove")

            cards = [c for group, html, _, _ in slots for c in (group, html)]
            turn_outputs = [sid, chatbot, msg, recs, profile, remove_choice, *cards]
            turn_kwargs: dict[str, Any] = {"concurrency_id": TURN_CONCURRENCY_ID, "show_progress": "hidden"}
            load_outputs = [sid, chatbot, recs, profile, remove_choice, msg, send, *example_buttons, *cards]
            if notice is None:  # else the worker refuses (bot.ui.app): the notice stays, nothing is enabled
                blocks.load(self.load, [sid], load_outputs)
            msg.submit(self.turn, [msg, sid, chatbot], turn_outputs, **turn_kwargs)
            send.click(self.turn, [msg, sid, chatbot], turn_outputs, **turn_kwargs)
            for button in example_buttons:
                button.click(
                    functools.partial(self.turn, str(button.value)),
                    [sid, chatbot],
                    turn_outputs,
                    **turn_kwargs,
                )
            reset_outputs = [sid, chatbot, recs, profile, remove_choice, msg, *cards]
            reset.click(self.new_chat, None, reset_outputs)
            forget.click(self.forget, [sid], reset_outputs)
            for i, (_, _, kind_buttons, why_button) in enumerate(slots):
                for kind, button in kind_buttons:
                    button.click(
                        functools.partial(self.feedback, i, kind),
                        [sid, recs],
                        [profile, remove_choice, *cards],
                    )
                why_button.click(
                    functools.partial(self.why, i), [sid, chatbot, recs], turn_outputs, **turn_kwargs
                )
            remove.click(self.remove, [sid, remove_choice], [profile, remove_choice])
        return blocks

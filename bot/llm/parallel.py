"""Several replies decoded together in one llama.cpp context (the embedded backend's ``stream_many``).

On a CPU, writing one token reads every weight once; writing one token for each of five sequences
in one batch reads them once too, so five short blurbs decoded together cost little more than one.
Reading prompts is already batched, so it costs the same either way.

- The prompts' common prefix (the writer's system prompt) is evaluated once into sequence 0 and
  kept across calls; each reply's sequence starts as a copy of it (``llama_memory_seq_cp`` shares
  the cells in a unified KV cache), then reads its own suffix (its card).
- Sampling is llama.cpp's own chain per sequence: repeat penalty over the generated tokens, then
  greedy (the writer's temperature is 0).
- A sequence ends at an end-of-generation token or at its ``max_tokens``; closing the generator
  early stops every sequence and frees their cells.
"""

from __future__ import annotations

import codecs
import ctypes
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

PENALTY_LAST_N = 64
PROMPT_CHUNK = 128  # prompt tokens per decoding step: the deadline is checked between steps


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


@dataclass
class _Job:
    seq: int
    tokens: list[int]
    max_tokens: int
    sampler: Any
    decoder: Any = field(default_factory=lambda: codecs.getincrementaldecoder("utf-8")(errors="replace"))
    read: int = 0  # prompt tokens read for this reply
    n_out: int = 0
    last: int = -1
    done: bool = False


class ParallelDecoder:
    """Decodes up to ``n_seq`` replies at once, sharing the model weights of a loaded ``Llama``."""

    def __init__(
        self,
        llm: Any,
        *,
        n_seq: int = 6,
        n_ctx: int = 4096,
        n_batch: int = 512,
        n_threads: int = 2,
        n_threads_batch: int = 2,
        repeat_penalty: float = 1.1,
    ) -> None:
        import llama_cpp
        from llama_cpp import _internals

        self._lib = llama_cpp
        self._internals = _internals
        self.model = llm._model  # the loaded weights, shared with the main context
        params = llama_cpp.llama_context_default_params()
        params.n_ctx = n_ctx
        params.n_batch = n_batch
        params.n_ubatch = n_batch
        params.n_seq_max = n_seq + 1  # sequence 0 holds the shared prefix
        params.kv_unified = True
        params.n_threads = n_threads
        params.n_threads_batch = n_threads_batch
        self.ctx = _internals.LlamaContext(model=self.model, params=params, verbose=False)
        self.batch = _internals.LlamaBatch(n_tokens=n_batch, embd=0, n_seq_max=1, verbose=False)
        self.n_seq = n_seq
        self.n_batch = n_batch
        self.n_ctx = n_ctx
        self.repeat_penalty = repeat_penalty
        self.vocab = llama_cpp.llama_model_get_vocab(self.model.model)
        self.n_vocab = self.model.n_vocab()
        self._piece_buffer = ctypes.create_string_buffer(64)
        self.prefix: list[int] = []  # the tokens sequence 0 holds
        self.last_stats: dict[str, float] = {}

    # --- the batch ----------------------------------------------------------------------------------
    def _add(self, token: int, pos: int, seq: int, logits: bool) -> int:
        b = self.batch.batch
        i = int(b.n_tokens)
        b.token[i] = token
        b.pos[i] = pos
        b.n_seq_id[i] = 1
        b.seq_id[i][0] = seq
        b.logits[i] = logits
        b.n_tokens = i + 1
        return i

    def _decode(self) -> None:
        if self.batch.batch.n_tokens:
            self.ctx.decode(self.batch)
        self.batch.reset()

    def _piece(self, token: int) -> bytes:
        n = self._lib.llama_token_to_piece(self.vocab, token, self._piece_buffer, 64, 0, False)
        return bytes(self._piece_buffer.raw[: max(n, 0)])

    def _sampler(self) -> Any:
        sampler = self._internals.LlamaSampler()
        sampler.add_penalties(self.n_vocab, PENALTY_LAST_N, self.repeat_penalty, 0.0, 0.0)
        sampler.add_greedy()
        return sampler

    def _hold_prefix(self, prefix: list[int], deadline: float | None) -> bool:
        """Sequence 0 holds exactly ``prefix`` (what it already holds is kept); False when the
        deadline stopped it part way."""
        keep = common_prefix(self.prefix, prefix)
        if keep < len(self.prefix):
            self.ctx.kv_cache_seq_rm(0, keep, -1)
            self.prefix = self.prefix[:keep]
        for start in range(keep, len(prefix), PROMPT_CHUNK):
            for pos in range(start, min(start + PROMPT_CHUNK, len(prefix))):
                self._add(prefix[pos], pos, 0, False)
            self._decode()
            self.prefix = list(prefix[: pos + 1])  # kept even when a deadline stops the rest
            if deadline is not None and time.perf_counter() >= deadline:
                return False
        self.prefix = list(prefix)
        return True

    # --- decoding -----------------------------------------------------------------------------------
    def stream_many(
        self, prompts: list[list[int]], max_tokens: list[int], deadline: float | None = None
    ) -> Iterator[tuple[int, str, bool, int, int]]:
        """``(which prompt, text delta, done, prompt tokens read, tokens written)`` as the replies
        are written together; a reply's last tuple has ``done`` set and its counts. At most
        ``n_seq`` prompts, each a token list already formatted with the chat template. Past
        ``deadline`` (a ``perf_counter`` time) it stops after the current step."""
        if len(prompts) > self.n_seq:
            raise ValueError(f"at most {self.n_seq} prompts at once, got {len(prompts)}")
        if not prompts:
            return
        shared = min(min(common_prefix(prompts[0], p) for p in prompts), *(len(p) - 1 for p in prompts))
        longest = max(len(p) + m for p, m in zip(prompts, max_tokens, strict=True))
        if longest > self.n_ctx:
            raise ValueError(f"a prompt with its reply needs {longest} tokens, the context has {self.n_ctx}")
        cached = common_prefix(self.prefix, prompts[0][:shared])
        self.last_stats = {"cached_tokens": float(cached), "prompt_tokens": 0.0, "completion_tokens": 0.0}
        if not self._hold_prefix(prompts[0][:shared], deadline):
            return
        jobs = [
            _Job(seq=i + 1, tokens=p, max_tokens=m, sampler=self._sampler(), read=len(p) - shared)
            for i, (p, m) in enumerate(zip(prompts, max_tokens, strict=True))
        ]
        jobs[0].read += shared - cached  # the prefix read this call, counted once
        try:
            for job in jobs:
                self.ctx.kv_cache_seq_rm(job.seq, -1, -1)
                self.ctx.kv_cache_seq_cp(0, job.seq, -1, -1)
            # each suffix, in batches; a job's first token is sampled in the batch holding its last
            # prompt token
            pending: list[tuple[_Job, int]] = []
            for job in jobs:
                for pos in range(shared, len(job.tokens)):
                    if self.batch.batch.n_tokens >= PROMPT_CHUNK:
                        yield from self._sample(pending)
                        pending = []
                        if deadline is not None and time.perf_counter() >= deadline:
                            return
                    idx = self._add(job.tokens[pos], pos, job.seq, pos == len(job.tokens) - 1)
                    if pos == len(job.tokens) - 1:
                        pending.append((job, idx))
                self.last_stats["prompt_tokens"] += job.read
            yield from self._sample(pending)
            while True:
                active = [job for job in jobs if not job.done]
                if not active or (deadline is not None and time.perf_counter() >= deadline):
                    break
                pending = [
                    (job, self._add(job.last, len(job.tokens) + job.n_out - 1, job.seq, True))
                    for job in active
                ]
                yield from self._sample(pending)
        finally:
            self.batch.reset()
            for job in jobs:
                self.ctx.kv_cache_seq_rm(job.seq, -1, -1)

    def _sample(self, pending: list[tuple[_Job, int]]) -> Iterator[tuple[int, str, bool, int, int]]:
        """Decode the batch, then sample the next token of each job that has an output in it."""
        self._decode()
        for job, idx in pending:
            token = int(self._lib.llama_sampler_sample(job.sampler.sampler, self.ctx.ctx, idx))
            job.n_out += 1
            self.last_stats["completion_tokens"] += 1
            if self._lib.llama_vocab_is_eog(self.vocab, token):
                job.done = True
                text = job.decoder.decode(b"", final=True)
            else:
                job.last = token
                text = job.decoder.decode(self._piece(token))
                if job.n_out >= job.max_tokens:
                    job.done = True
                    text += job.decoder.decode(b"", final=True)
            if text or job.done:
                yield job.seq - 1, text, job.done, job.read, job.n_out

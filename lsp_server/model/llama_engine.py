"""`LlamaEngine`: any GGUF model, in-process through llama-cpp-python.

Loads the model once (after checking the file is a complete GGUF, so a bad
file is a sentence, not a crash), detects its FIM format from the file,
and serves completions and chats through `generation.generate`, which
reuses the KV cache across calls and stops on the cancel token. One lock
guards the context: llama.cpp contexts are not thread-safe, and the runner
normally makes the lock uncontended.
"""

from __future__ import annotations

import os
import threading
import time

from lsp_server.model import budget, cpu_repack, formats, kv_reuse
from lsp_server.model.chat import ChatPrompt, chat_prompt
from lsp_server.model.generation import Generation, generate
from lsp_server.model.guidance import Guide, request_guide
from lsp_server.model.healing import Healing, PieceIndex, heal, vocabulary_pieces
from lsp_server.model.model_file import check_model_file, default_threads
from lsp_server.model.doc_states import DocumentStates
from lsp_server.model.pieces import is_special, token_piece, tokenize_bytes
from lsp_server.model.prompts import Prompt, Special, build_prompt
from lsp_server.model.settings import ModelSettings
from lsp_server.model.text import clean, tokenizer_pieces
from lsp_server.model.throughput import Throughput
from lsp_server.model.tokens import TokenMemo, splits_at_lines
from lsp_server.model.types import (
    CancelToken, ChatMessage, ChatReply, Completion, CompletionRequest, EngineError, TokenCallback,
)


class LlamaEngine:
    def __init__(self, path: str, settings: ModelSettings = ModelSettings(), *, origin: str = "") -> None:
        import llama_cpp

        self.path, self.origin = os.path.abspath(path), origin
        self.info = check_model_file(path, origin or "coderLsp.model.path")
        offload = llama_cpp.llama_supports_gpu_offload()
        self.gpu_layers = settings.n_gpu_layers if settings.n_gpu_layers is not None else (-1 if offload else 0)
        train_ctx = int(self.info.arch_value("context_length", 0) or 0)
        n_ctx = min(settings.n_ctx, train_ctx) if train_ctx > 0 else settings.n_ctx
        threads = settings.threads or default_threads()
        try:
            with cpu_repack.model_params():  # no AMX repacking: it crashes some machines (cpu_repack)
                self._llm = llama_cpp.Llama(
                    model_path=self.path, n_ctx=n_ctx, n_batch=min(512, n_ctx), n_gpu_layers=self.gpu_layers,
                    n_threads=threads, n_threads_batch=threads, flash_attn=settings.flash_attention, verbose=False)
        except (ValueError, RuntimeError, OSError) as err:
            raise EngineError(f"llama.cpp could not load {self.path}: {err}") from err
        self._lock = threading.Lock()
        self.n_ctx = self._llm.n_ctx()
        self.name = str(self.info.metadata.get("general.name") or os.path.basename(self.path))
        self.device = "gpu" if offload and self.gpu_layers != 0 else "cpu"
        self.fim_order = getattr(settings, "fim_order", "auto")
        try:
            self.format = self._detect_format(settings.prompt_format)
        except EngineError:
            self._llm.close()  # a bad override must not leave the model loaded
            raise
        self.prompt_format = self.format.name
        self.chat_template = str(self._llm.metadata.get("tokenizer.chat_template", "") or "")
        self._fim_stop_ids = frozenset(self.format.ids.values()) | self._ids_of(("<fim_pad>", "<|fim_pad|>"))
        self._fim_markers = frozenset(self.format.ids.values())
        self._bos = tuple(self._llm.tokenize(b"", add_bos=True, special=False))
        pretokenizer = str(self.info.metadata.get("tokenizer.ggml.pre", "") or "")
        self._piece_lengths: dict[int, int] = {}
        self._memo = TokenMemo(self._tokenize_plain, split_lines=splits_at_lines(pretokenizer),
                               piece_length=self._piece_length)
        self.token_healing = True  # benchmarks turn it off to compare
        self.kv_reuse = kv_reuse.shared_sequences(self._llm)  # False: the model cannot shift positions
        self.throughput = Throughput()
        self.states = DocumentStates(settings.state_cache_mb << 20)  # each document's cache, kept for its return
        self._probe()
        self._piece_index: PieceIndex | None = None
        self.piece_index()  # at load, not on the first keystroke (about 0.2 s for 50,000 tokens)

    # --- format detection --------------------------------------------------------------

    def _detect_format(self, override: str) -> formats.FimFormat:
        import llama_cpp

        vocab = self._llm._model.vocab
        vocab_ids = {
            "fim_pre": llama_cpp.llama_vocab_fim_pre(vocab), "fim_suf": llama_cpp.llama_vocab_fim_suf(vocab),
            "fim_mid": llama_cpp.llama_vocab_fim_mid(vocab), "fim_rep": llama_cpp.llama_vocab_fim_rep(vocab),
            "fim_sep": llama_cpp.llama_vocab_fim_sep(vocab),
        }
        detected = formats.detect(self._llm.metadata, vocab_ids, self._llm._model.token_get_text, self.special_token_id)
        if override in ("", "auto"):
            return detected
        if override not in formats.KNOWN:
            raise EngineError(f"Unknown prompt format {override!r} in coderLsp.model.promptFormat; "
                              f"use auto or one of {', '.join(formats.KNOWN)}.")
        known = formats.KNOWN[override]
        ids = {role: self.special_token_id(text) for role, text in known.texts.items()}
        if any(token is None for role, token in ids.items() if role in ("fim_pre", "fim_suf", "fim_mid")):
            raise EngineError(f"The model has no {override} FIM tokens; set coderLsp.model.promptFormat to auto.")
        return formats.FimFormat(known.name, known.texts, {r: t for r, t in ids.items() if t is not None},
                                 known.spm, known.psm, known.stop)

    def special_token_id(self, text: str) -> int | None:
        """The id of `text` if the vocabulary has it as one special (control or user-defined) token."""
        tokens = self._tokenize(text, special=True)
        return tokens[0] if len(tokens) == 1 and is_special(self._llm._model, tokens[0]) else None

    def _ids_of(self, texts: tuple[str, ...]) -> frozenset[int]:
        return frozenset(t for t in map(self.special_token_id, texts) if t is not None)

    # --- tokens --------------------------------------------------------------------

    def count_tokens(self, text: str) -> int:
        return self._memo.count(clean(text)) if text else 0

    def _tokenize_plain(self, text: str) -> list[int]:
        return self._tokenize(text, special=False)

    def _tokenize(self, text: str, *, special: bool) -> list[int]:
        """llama.cpp's tokens for `text`, no BOS; every tokenizer call of this engine comes here, so
        every text passes `tokenizer_pieces` (a very long line would crash llama.cpp's pre-tokenizer)."""
        tokens: list[int] = []
        for piece in tokenizer_pieces(text):
            tokens += tokenize_bytes(self._llm._model.vocab, piece.encode("utf-8"), special)
        return tokens

    def _piece_length(self, token: int) -> int:
        """Bytes of text `token` stands for (user-defined tokens included), remembered."""
        length = self._piece_lengths.get(token)
        if length is None:
            length = self._piece_lengths[token] = len(token_piece(self._llm._model.vocab, token, special=False))
        return length

    def prompt_tokens(self, prompt: Prompt) -> list[int]:
        """Text parts tokenized on their own (no special tokens parsed), special parts by id, BOS if the model wants it."""
        tokens = list(self._bos)
        for part in prompt.parts:
            if isinstance(part, Special):
                if part.role in self.format.ids:
                    tokens.append(self.format.ids[part.role])
            else:
                tokens += self._text_tokens(part)
        return tokens

    def _text_tokens(self, text: str) -> tuple[int, ...] | list[int]:
        """Tokens of plain text; a FIM token spelled in the text (user-defined tokens match even
        with special=False) is split into two ordinary pieces, so only our markers are markers."""
        tokens = self._memo.tokens(text)
        if self._fim_markers.isdisjoint(tokens):
            return tokens
        safe: list[int] = []
        for token in tokens:
            if token in self._fim_markers:
                spelled = self._llm._model.token_get_text(token)
                for piece in (spelled[:1], spelled[1:]):
                    safe += self._memo.tokens(piece)
            else:
                safe.append(token)
        return safe

    def build_prompt(self, request: CompletionRequest, *, order: str | None = None, budget: int | None = None) -> Prompt:
        full = max(16, self.n_ctx - min(request.max_tokens, self.n_ctx // 2) - 2)
        budget = min(full, budget) if budget is not None else full
        return build_prompt(request, self.format, order=order or self.fim_order, budget=budget,
                            count=self.count_tokens)

    # --- throughput -------------------------------------------------------------------

    def _probe(self) -> None:
        """Seed the throughput with a tiny run (a few dozen tokens), then leave the cache empty."""
        tokens = list(self._bos) + list(self._tokenize_plain("def probe(values):\n    return [v * 2 for v in values]\n" * 3))
        # The first run also allocates buffers and so underestimates (real jobs correct it); on a GPU,
        # where kernels warm up too and a second run costs milliseconds, the second run is the one kept.
        for _ in range(2 if self.device == "gpu" else 1):
            self.throughput = Throughput()
            try:
                self._run(tokens[:24], CancelToken(), 3, 0.0, frozenset(), (), None, None)
            except EngineError:
                pass  # a model that cannot run says so on its first real request
            self._llm.reset()

    def _record(self, result: Generation) -> Generation:
        self.throughput.record_prompt(result.prompt_tokens - result.cached_tokens, result.eval_ms / 1000)
        self.throughput.record_decode(result.generated_tokens - 1, (result.total_ms - result.ttft_ms) / 1000)
        return result

    # --- token healing ----------------------------------------------------------------

    def _heal(self, request: CompletionRequest) -> tuple[CompletionRequest, Healing | None]:
        """The request with the prefix's last token cut off where healing helps, and the constraint."""
        if not self.token_healing:
            return request, None
        vocab = self._llm._model.vocab
        return heal(request, clean, self._tokenize_plain, lambda token: token_piece(vocab, token), self.piece_index())

    def piece_index(self) -> PieceIndex:
        if self._piece_index is None:
            self._piece_index = vocabulary_pieces(self._llm)
        return self._piece_index

    # --- engine interface -------------------------------------------------------------

    def complete(self, request: CompletionRequest, cancel: CancelToken, on_token: TokenCallback | None = None,
                 *, order: str | None = None) -> Completion:
        request, healing = self._heal(request)
        guide = request_guide(request, healing, self.piece_index(), self.throughput)
        prompt, tokens = budget.fitted_prompt(self, request, order)
        stop_texts = tuple(dict.fromkeys((*request.stop, *prompt.stop)))
        result = self._run(tokens, cancel, request.max_tokens, request.temperature, self._fim_stop_ids,
                           stop_texts, on_token, healing, key=request.path, guide=guide)
        return Completion(result.text, self.name, prompt.format, result.prompt_tokens, result.cached_tokens,
                          result.generated_tokens, result.ttft_ms, result.total_ms, result.finish_reason,
                          cut_to_budget=prompt.budget_cut)

    def prefill(self, request: CompletionRequest, cancel: CancelToken) -> int:
        """Evaluate `request`'s whole prompt into the cache in idle time (`budget.prefill`)."""
        return budget.prefill(self, request, cancel)

    def evaluate(self, tokens: list[int], cancel: CancelToken, chunk: int, key: str | None = None) -> int:
        """Put `tokens` but the last into the cache, `chunk` at a time; tokens evaluated."""
        with self._lock:
            self.states.enter(self._llm, key, tokens, self._cached_live(tokens))
            try:
                done, seconds = kv_reuse.prefill(self._llm, tokens, cancel, chunk, move=self.kv_reuse)
            except RuntimeError as err:
                self._llm.reset()
                raise EngineError(f"llama.cpp failed while prefilling: {err}") from err
        self.throughput.record_prompt(done, seconds)
        return done

    def cached_of(self, tokens: list[int], key: str | None = None) -> int:
        """How many of `tokens` the KV cache, or `key`'s saved state, holds (moved chunks included)."""
        live = self._cached_live(tokens)
        return live if key == self.states.current else max(live, self.states.usable(key, tokens))

    def _cached_live(self, tokens: list[int]) -> int:
        return kv_reuse.reusable(self._llm, tokens) if self.kv_reuse else kv_reuse.common_prefix(
            self._llm.input_ids[: self._llm.n_tokens], tokens)

    def chat(self, messages: list[ChatMessage], cancel: CancelToken, max_tokens: int = 512,
             on_token: TokenCallback | None = None) -> ChatReply:
        started = time.perf_counter()
        prompt: ChatPrompt = chat_prompt(self._llm, self.chat_template, messages)
        tokens = [*(self._bos if prompt.add_bos else ()), *self._tokenize(prompt.text, special=True)]
        result = self._run(tokens, cancel, max_tokens, 0.0, frozenset(), prompt.stop, on_token, None, stop_repeats=True)
        return ChatReply(result.text.strip(), self.name, result.prompt_tokens, result.generated_tokens,
                         (time.perf_counter() - started) * 1000, result.finish_reason)

    def _run(self, tokens: list[int], cancel: CancelToken, max_tokens: int, temperature: float,
             stop_ids: frozenset[int], stop_texts: tuple[str, ...], on_token: TokenCallback | None,
             healing: Healing | None, stop_repeats: bool = False, key: str | None = None, guide: Guide | None = None) -> Generation:
        room = self.n_ctx - len(tokens)
        if room < 1:  # the prompt layer fits prompts; this guards chat and odd tokenizers
            keep = self.n_ctx - min(max_tokens, self.n_ctx // 4) - 1
            tokens, room = tokens[:1] + tokens[len(tokens) - keep + 1 :], self.n_ctx - keep
        with self._lock:
            self.states.enter(self._llm, key, tokens, self._cached_live(tokens))
            try:
                return self._record(generate(self._llm, tokens, cancel, max_tokens=max(0, min(max_tokens, room)),
                                temperature=temperature, stop_ids=stop_ids, stop_texts=stop_texts, on_token=on_token,
                                healing=healing, guide=guide, reuse=self._reuse if self.kv_reuse else None,
                                stop_repeats=stop_repeats))
            except RuntimeError as err:  # llama_decode failures: start from a clean cache next time
                self._llm.reset()
                raise EngineError(f"llama.cpp failed while generating: {err}") from err

    @staticmethod
    def _reuse(llm, tokens: list[int], cancel: CancelToken) -> tuple[int, int]:
        return kv_reuse.reuse(llm, tokens, cancel=cancel)

    def describe(self) -> dict:
        return {
            "name": self.name, "path": self.path, "origin": self.origin, "prompt_format": self.prompt_format,
            "fim_order": self.format.order(self.fim_order), "fim_tokens": dict(self.format.ids),
            "device": self.device, "n_ctx": self.n_ctx, "gpu_layers": self.gpu_layers,
            "chat_template": bool(self.chat_template), "architecture": self.info.architecture,
            "token_healing": self.token_healing, "kv_reuse": self.kv_reuse, **self.throughput.describe(),
            "cpu_repack": bool(self._llm.model_params.use_extra_bufts), "document_states": self.states.describe(),
        }

    def close(self) -> None:
        with self._lock:
            llm, self._llm = getattr(self, "_llm", None), None
            if llm is not None:
                llm.close()

    # --- background work (next-edit suggestions): `lsp_server.model.background` ------------

    def complete_prompt(self, prompt: Prompt, cancel: CancelToken, max_tokens: int,
                        on_token: TokenCallback | None = None) -> Completion:
        from lsp_server.model import background  # imported here: it reaches back into this engine

        return background.complete_prompt(self, prompt, cancel, max_tokens, on_token)

    def prefill_chat(self, messages: list[ChatMessage], cancel: CancelToken) -> None:
        from lsp_server.model import background

        background.prefill_chat(self, messages, cancel)

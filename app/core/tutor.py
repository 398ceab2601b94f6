"""The tutor: a question in, a checked, cited answer with its usage out.

    question → safety → graph-aware retrieval → extractive evidence (instant)
             → generative backend (optional, streamed; falls back to extractive) → citation check
             → usage (tokens, cost, latency) → SQLite turn log
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from app.core.citations import CitationCheck, check_citations
from app.core.compose import code_block, compose_extractive, passage_context, without_quoted_example
from app.core.declines import EXTRACTION_REPLY, HARM_REPLY, out_of_scope_reply
from app.core.graph import NodeMatch, RoadmapGraph
from app.core.harm import harmful
from app.core.intent import (
    asks_what_it_is,
    classify,
    is_follow_up,
    refers_back,
    states_known,
    wants_code,
    where_to_begin,
)
from app.core.pasted import StreamGate, filter_answer, split_pasted
from app.core.prompts import Prompt, PromptGuards, PromptRegistry
from app.core.retrieval import LEARNING_PATH, GraphContext, HybridRetriever, Passage, RetrievalResult
from app.core.safety import jailbreak, prompt_extraction, strip_injections
from app.core.text import citations_in, content_terms, drop_repeats, drop_sentences, strip_citations
from app.errors import BackendUnavailable, TutorError
from app.infra.llm import BackendSpec, make_backend, parse_spec
from app.infra.llm.base import ChatBackend
from app.infra.llm.citeguard import drop_unfinished
from app.infra.settings import Settings
from app.infra.tokens import count_tokens
from app.infra.turnlog import TurnLog
from app.infra.usage import Timings, Usage, estimate_cost, otel_attributes

if TYPE_CHECKING:
    from app.infra.embed import TextEmbedder
    from app.infra.store import ChunkIndex

log = logging.getLogger("tutor")
OUT_OF_SCOPE_SIMILARITY = 0.35
# Measured on the learner dataset's questions: in-scope ones below the embedding threshold mostly score 4.7-7.4 on
# BM25, out-of-scope look-alikes 2.9-3.9 (one at 5.7). Tied to the corpus's size: re-measure when it grows a lot.
KEYWORD_IN_SCOPE = 4.5
# BM25 well above KEYWORD_IN_SCOPE: the question shares rare words with a note, whatever else it mentions
KEYWORD_CLEARLY_IN_SCOPE = 1.5 * KEYWORD_IN_SCOPE
# A question this close to one of the documents' ``asks`` (learners' own phrasings) is on the roadmap even when
# the passages' embeddings and words miss it. Measured: 24 off-roadmap probes, near misses included, reach at
# most 0.47; learner questions below the other two thresholds 0.50-0.65.
ASK_IN_SCOPE = 0.5
# A question nearer one of corpus/off-roadmap.yaml's questions than any roadmap question is off the roadmap, even
# when it names a topic ("what salary should I ask for as an MLOps engineer?"). Measured on 384 questions (the eval
# datasets, the blind probes, drafts/scope-probes-2026-12-02.yaml): no roadmap question at or above 0.40 is nearer an
# off-roadmap one than a roadmap one; the closest, "where does this tutor log each question...", is 0.019 nearer
# its own (and "Where should I start learning?", 0.02, is a learning-path question, never declined here).
OFF_ROADMAP_FLOOR = 0.42
OFF_ROADMAP_MARGIN = 0.02
# a question that turns on a word only declined questions use is declined when it is within this of being nearer
# them than any roadmap question. Measured on the 771 questions of the datasets and probes: the rule fires on 45,
# all off the roadmap but two: a chef asking where to begin (answered, the where-to-begin rule comes first) and a
# music recommender (declined already); roadmap questions with such a word ("weekend", "interview", "my whole
# life") are at least 0.09 nearer a roadmap question.
DECLINED_WORD_MARGIN = 0.03
STRONG_MATCHES = frozenset({"name", "alias", "symptom", "conversation", "asked"})
MAX_SUBJECT_CHARS = 300  # of the earlier question a follow-up is searched with
SENTENCE_CACHE = 20_000  # sentence vectors kept per process (~1.5 kB each)
SHORT_QUESTION_TERMS = 6  # content words: "how long will that last?" has 2, a new question usually more
RESUME_TURNS = 6  # user turns a resumed conversation replays
EVIDENCE_FALLBACK_PASSAGES = 2  # an evidence prompt with no selected sentence gets this many passages whole
EMPTY_GRAPH: dict[str, Any] = {"nodes": [], "intent": None, "focus": None, "target": None, "path": [],
                               "titles": {}}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class Conversation:
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    focus: list[str] = field(default_factory=list)  # roadmap nodes the last answer was about
    history: list[tuple[str, str]] = field(default_factory=list)
    # what the last answer was about, in words: the topic it led to ("Kubernetes") after a learning-path answer,
    # else the question as it was searched; a follow-up ("how long will that last?") is searched with it
    subject: str = ""
    known: list[str] = field(default_factory=list)  # topics the learner said they know, earlier in the conversation


@dataclass
class Answer:
    question: str
    answer: str
    passages: list[Passage]
    check: CitationCheck | None
    graph: dict[str, Any]
    backend: str
    model: str
    prompt: Prompt | None
    usage: Usage
    latency_ms: dict[str, float | None]
    refused: bool = False
    out_of_scope: bool = False
    notices: list[str] = field(default_factory=list)
    fallback: bool = False
    replaced: bool = False  # strict mode found nothing the model wrote supported: the evidence answered instead
    evidence: str = ""  # the extractive answer, shown first while a model works
    # after a model's answer: the evidence sentences it left out, quoted under KEY_LINES_HEADING (``answer`` ends
    # with this block); checked on their own, so the model's metrics are about what the model wrote
    key_block: str = ""
    key_check: CitationCheck | None = None
    code_from: int = 0  # the passage whose code block ``answer`` quotes whole, at the end (asked for outright)
    client: str | None = None  # the API key's name that asked (tutor serve), for attribution
    turn_id: str = ""  # the turn's public id in the turn log: feedback quotes it back (tutor serve: the completion id)

    @property
    def flags(self) -> list[str]:
        out = [name for name, on in (("refused", self.refused), ("out_of_scope", self.out_of_scope),
                                     ("fallback", self.fallback), ("replaced", self.replaced)) if on]
        if self.check and self.check.unsupported:
            out.append("unsupported")
        if self.check and any(s.repaired for s in self.check.sentences):
            out.append("citation_repaired")
        return out

    @property
    def body(self) -> str:
        """What the backend wrote (checked), without the key lines quoted after it."""
        return self.answer[:len(self.answer) - len(self.key_block)] if self.key_block else self.answer

    def citations(self) -> list[dict[str, Any]]:
        checks = [c for c in (self.check, self.key_check) if c is not None]
        out = []
        quoted = {self.code_from} if self.code_from else set()
        for n in sorted({n for c in checks for n in c.cited} | quoted):
            p = self.passages[n - 1]
            meta = {k: p.metadata.get(k) for k in ("doc_id", "source", "title", "section", "location")}
            support = 1.0 if n in quoted else max(c.support_of(n) for c in checks)  # a quote is its own support
            out.append({"n": n, "chunk_id": p.id, **meta, "text": p.text, "support": round(support, 3)})
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question, "answer": self.answer, "citations": self.citations(),
            "unsupported_sentences": self.check.unsupported if self.check else [],
            "unsupported_details": self.check.details() if self.check else [],
            "graph": self.graph, "refused": self.refused, "out_of_scope": self.out_of_scope,
            "fallback": self.fallback, "replaced": self.replaced,
            "key_lines": self.key_check.marked if self.key_check else [], "notices": self.notices, "flags": self.flags,
            "backend": self.backend, "model": self.model,
            "prompt": self.prompt.as_dict() if self.prompt else None,
            "usage": self.usage.as_dict(), "latency_ms": self.latency_ms, "client": self.client,
            "turn_id": self.turn_id,
            "otel": otel_attributes(self.backend, self.model, self.usage, self.prompt.ref if self.prompt else ""),
        }


def warm_backend(backend: ChatBackend, prompt: Prompt) -> None:
    """Load ``backend`` and have it read ``prompt``'s fixed start (the rules every question shares). Needs no
    index, so the UI can start it before the Tutor has loaded."""
    backend.warm(prompt.render("What is Docker?", "[1] Docker runs containers.", ""))


def evidence_block(sentences: list[str], budget_tokens: int) -> str:
    """The composer's sentences, most important first while they fit the budget (at least one), grouped under the
    number of the passage each came from: "[2] a. b.\n[4] c."."""
    groups: dict[int, list[str]] = {}
    used = 0
    for sentence in sentences:
        numbers = citations_in(sentence)
        cost = count_tokens(sentence)
        if not numbers or (groups and used + cost > budget_tokens):
            continue
        used += cost
        groups.setdefault(numbers[0], []).append(strip_citations(sentence))
    return "\n".join(f"[{n}] {' '.join(parts)}" for n, parts in groups.items())


KEY_LINES_HEADING = "From the sources:"
SAID = 0.6  # an evidence sentence with this share of its content words in the answer is said already


def key_lines(answer: str, evidence: list[str], limit: int) -> list[str]:
    """The composer's evidence sentences a model's answer leaves out, best first, at most ``limit``.

    A small model says less than the evidence holds: the symptom but not its fix, one fact of two, the command
    without the flag that matters. Quoted after its answer, with their citations, the learner keeps both the
    explanation and what the sources say."""
    said = set(content_terms(strip_citations(answer)))
    out = []
    for sentence in evidence:
        terms = set(content_terms(strip_citations(sentence)))
        # most of its words, and every name it gives: "use `kubectl scale` to set the replica count" leaves out
        # "... or automatically with a HorizontalPodAutoscaler", whatever share of the words it repeats
        if terms and (len(terms & said) / len(terms) < SAID or not _names_in(sentence) <= said):
            out.append(sentence)
    return out[:limit]


# the names a sentence gives: code spans, CamelCase (HorizontalPodAutoscaler), acronyms (HPA, OOMKilled)
_NAME = re.compile(r"`([^`]+)`|\b([A-Z][a-z0-9]+[A-Z]\w*|[a-z]+[A-Z]\w*|[A-Z]{2,}\w*)\b")


def _names_in(sentence: str) -> set[str]:
    return set(content_terms(" ".join(next(g for g in m.groups() if g) for m in _NAME.finditer(
        strip_citations(sentence)))))


def key_block(lines: list[str]) -> str:
    return f"\n\n{KEY_LINES_HEADING}\n" + "\n".join(f"- {line}" for line in lines) if lines else ""


def cited_numbers(text: str) -> list[int]:
    """The passage numbers a prompt's message puts in front of the model, in order."""
    return sorted({int(n) for n in re.findall(r"^\[(\d{1,2})\] ", text, flags=re.M)})


def clean_question(question: str, max_chars: int) -> str:
    text = _CONTROL.sub(" ", question).strip()
    if not text:
        raise TutorError("the question is empty; ask about a roadmap topic, e.g. \"What is DNS?\"")
    if len(text) > max_chars:
        raise TutorError(f"the question is too long ({len(text)} characters; the limit is {max_chars}); "
                         "ask about one thing at a time")
    return text


def token_stream(timings: Timings, on_token: Callable[[str], None] | None) -> Any:
    """A LangChain callback that forwards a chat model's tokens as they come and marks the first one's time.
    (Built on first use: an extractive answer never imports LangChain.)"""
    from langchain_core.callbacks import BaseCallbackHandler

    class TokenStream(BaseCallbackHandler):
        def on_llm_new_token(self, token: Any, **kwargs: Any) -> None:
            if isinstance(token, str) and token:
                timings.mark_first_token()
                if on_token:
                    on_token(token)

    return TokenStream()


class Tutor:
    """Loads the index, graph and embedder once; ``ask`` is safe to call from several threads."""

    def __init__(self, settings: Settings, embedder: TextEmbedder | None = None, store: ChunkIndex | None = None,
                 graph: RoadmapGraph | None = None, registry: PromptRegistry | None = None,
                 record_turns: bool = True, backends: dict[BackendSpec, ChatBackend] | None = None) -> None:
        """Everything loads from ``settings`` unless given: the fast tests pass an in-memory index, a hashing
        embedder and scripted backends."""
        from app.infra.embed import shared_embedder
        from app.infra.store import ChunkStore

        self.settings = settings
        self.graph = graph or RoadmapGraph.load(settings.graph_path)
        self.store = store or ChunkStore(settings, create=False)
        if self.store.count() == 0:
            raise TutorError("the index is empty; run `tutor ingest` first")
        self.embedder = embedder or shared_embedder(settings.embedding_model)
        self.retriever = HybridRetriever(settings, self.store, self.embedder, self.graph)
        # passage sentences recur across questions: each is embedded once per process (~10 ms a sentence here)
        self._sentence_vectors: dict[str, np.ndarray] = {}
        self._sentence_lock = threading.Lock()
        self.prompts = registry or PromptRegistry()
        self.turns = TurnLog(settings.state_database, settings.secrets()) if record_turns else None
        self._backends: dict[BackendSpec, ChatBackend] = dict(backends or {})
        self._lock = threading.Lock()

    def backend(self, spec: BackendSpec) -> ChatBackend:
        with self._lock:
            if spec not in self._backends:
                self._backends[spec] = make_backend(spec, self.settings)
            return self._backends[spec]

    def ask(self, question: str, conversation: Conversation | None = None, llm: str | BackendSpec | None = None,
            prompt: str | None = None, known: list[str] | None = None, top_k: int | None = None,
            on_token: Callable[[str], None] | None = None,
            on_evidence: Callable[[str], None] | None = None, max_tokens: int | None = None,
            client: str | None = None, guards: PromptGuards | None = None, turn_id: str | None = None,
            strict: bool | None = None) -> Answer:
        """``llm`` is a spec string from a trusted caller or a BackendSpec looked up in ``app.infra.llm.choices``;
        ``max_tokens`` lowers the prompt version's output limit; ``client`` names who asked (for the log);
        ``turn_id`` is the id the turn is logged under (default: a new random one), quoted back by feedback;
        ``guards`` overrides the code guards the prompt version ships with (the evals measure a prompt alone);
        ``strict`` removes a model's unsupported sentences (default: ``settings.strict``, else on for local models)."""
        timings = Timings()
        spec = llm if isinstance(llm, BackendSpec) else parse_spec(llm or self.settings.llm)
        prompt_obj = self.prompts.get(prompt or self.settings.prompt)
        text = clean_question(question, self.settings.max_question_chars)

        guards = guards or prompt_obj.spec.guards
        pasted = split_pasted(text)  # the learner's ask, and any text pasted with it (data, never instructions)
        reply = None
        if guards.question_filters:
            reply = HARM_REPLY if harmful(text) else \
                EXTRACTION_REPLY if prompt_extraction(pasted.ask or text) or jailbreak(text) else None
        if reply is not None:
            answer = Answer(text, reply, [], None, EMPTY_GRAPH, "policy", "", prompt_obj,
                            Usage(), timings.finish(), refused=True)
            return self._finish(answer, conversation, client, turn_id)

        guard_notices: list[str] = []
        if guards.sanitize_passages and pasted.material:
            pasted = pasted.sanitized()
            if pasted.removed:
                guard_notices.append(f"Ignored {pasted.removed} line(s) of the pasted text that read as instructions: "
                                     "pasted text is data to explain, not instructions to follow.")
        asked = pasted.query if guards.sanitize_passages else text
        names = self.graph.match_names(asked)
        follow_up = conversation is not None and bool(conversation.history) and self._leans_on_conversation(asked,
                                                                                                           names)
        focus = conversation.focus if conversation and follow_up else []
        query = asked
        # "and what about Docker?" changes the subject; "can you show the yaml for both on one container?" does not
        if conversation and follow_up and (not names or refers_back(asked)):
            subject = conversation.subject or ", ".join(self.graph.title(n) for n in focus)
            query = f"{asked} ({subject[-MAX_SUBJECT_CHARS:]})" if subject else asked
        # a local model that reads whole passages gets fewer (prefill); one that reads the evidence, all of them
        reads_passages = spec.kind == "local" and prompt_obj.spec.context == "passages"
        budget = self.settings.local_context_tokens if reads_passages else self.settings.context_tokens
        if conversation and conversation.known:
            known = list(dict.fromkeys([*(known or []), *conversation.known]))
        with timings.stage("retrieval"):
            result = self.retriever.retrieve(query, focus=focus, known=known, k=top_k or self.settings.top_k,
                                             budget_tokens=budget, question=asked)
        for stage in ("embed", "graph", "retrieve"):
            timings.ms[stage] = result.timings_ms.get(stage, 0.0)
        graph_json = result.graph.as_dict(self.graph)

        # a follow-up to an answered question is about what was answered ("show me an example")
        in_conversation = follow_up and bool(conversation and conversation.subject)
        if guards.out_of_scope and not in_conversation and self._out_of_scope(result, asked):
            answer = Answer(text, self._out_of_scope_reply(result.vector), [], None, graph_json, "policy", "",
                            prompt_obj, Usage(), timings.finish(), out_of_scope=True)
            return self._finish(answer, conversation, client, turn_id)

        passages = result.passages
        clean = strip_injections if guards.sanitize_passages else (lambda t: t)
        texts = [clean(passage_context(p)) for p in passages]
        # a follow-up's earlier subject helps choose sentences, except on the learning path, where the graph has it
        wording = asked if result.graph.intent in LEARNING_PATH else query
        evidence_sentences = compose_extractive(wording, passages, result.graph, self.graph,
                                                sanitize=guards.sanitize_passages,
                                                similarity=self._similarity_to(result.vector))
        if guards.sanitize_passages:
            evidence_sentences = filter_answer(evidence_sentences, texts, pasted.material)[0]
        # asked for the code itself: the passage's block, whole and as written, ends the answer; the one-line
        # example the composer led with says nothing the block does not
        wanted = code_block(wording, texts, guards.sanitize_passages) if wants_code(asked) else None
        if wanted is not None:
            evidence_sentences = without_quoted_example(evidence_sentences, wanted[1])
        evidence = " ".join(evidence_sentences)
        if on_evidence:
            on_evidence(evidence)
        answer_text, backend_label, model, usage, notices, fallback = evidence, "extractive", "", None, [], False
        replaced = False
        notices.extend(guard_notices)
        model_question = pasted.for_model() if guards.sanitize_passages else text
        messages = self.render_messages(prompt_obj, model_question, texts, result, evidence_sentences)

        gate = StreamGate(on_token, texts, pasted.material) if on_token and guards.sanitize_passages else None
        if spec.kind != "extractive":
            try:
                answer_text, usage = self._generate(spec, messages, prompt_obj, timings, gate or on_token, max_tokens,
                                                    citable=cited_numbers(messages[-1]["content"]))
                if gate:
                    gate.flush()
                answer_text = drop_repeats(answer_text)  # a small model that looped says each thing once
                backend_label, model = spec.kind, self.backend(spec).model
            except BackendUnavailable as exc:
                notices.append(f"{spec.label} unavailable: {exc}. Answered with the extractive backend.")
                fallback = True
                log.info("backend %s failed, falling back: %s", spec.label, exc)
        if guards.sanitize_passages and backend_label != "extractive":
            kept, dropped = filter_answer(answer_text, texts, pasted.material)
            if dropped:  # links, personas or pasted wording the passages do not support never reach the learner
                answer_text = drop_sentences(answer_text, dropped)
                notices.append(f"Removed {len(dropped)} sentence(s) that relayed a link, contact, persona or pasted "
                               "text the sources do not support.")
        with timings.stage("check"):
            if backend_label == "extractive":
                check = check_citations(evidence_sentences, texts)
            else:
                check = check_citations(answer_text, texts, self.embedder)
        strict = strict if strict is not None else self.settings.strict
        if backend_label != "extractive" and check.unsupported and (strict if strict is not None else
                                                                    spec.kind == "local"):
            removed = len(check.unsupported)
            check = check.pruned()
            if check.claims:
                notices.append(f"Removed {removed} sentence(s) of the {spec.label} answer that the retrieved sources "
                               "do not support (strict mode).")
            else:  # nothing the sources back is left: the evidence is the answer
                notices.append(f"The {spec.label} answer was not supported by the retrieved sources (strict mode); "
                               "showing the evidence instead.")
                backend_label, model, usage, fallback, replaced = "extractive", "", None, True, True
                check = check_citations(evidence_sentences, texts)
        if not check.answer.strip() and backend_label != "extractive":
            # a model that answered only markers or whitespace has not answered
            notices.append(f"{spec.label} gave no usable answer. Answered with the extractive backend.")
            backend_label, model, usage, fallback = "extractive", "", None, True
            check = check_citations(evidence_sentences, texts)
        if usage is None:
            usage = Usage(input_tokens=sum(count_tokens(m["content"]) for m in messages),
                          output_tokens=count_tokens(check.answer), source="tiktoken")
        estimate_cost(backend_label, model, usage)
        key_check, block = None, ""
        if backend_label != "extractive" and self.settings.key_lines:
            with timings.stage("check"):  # the composer's sentences are the passages' own; keep what checks out
                quoted = check_citations(key_lines(check.answer, evidence_sentences, self.settings.key_lines),
                                         texts).pruned()
            block = key_block(quoted.marked)
            key_check = quoted if block else None
        code = wanted if "```" not in check.answer else None  # a model that wrote a block has shown the code
        if code is not None:
            language, lines, code_from = code
            block += f"\n\nFrom [{code_from}]:\n```{language}\n{lines}\n```"
        answer = Answer(text, check.answer + block, passages, check, graph_json, backend_label, model or backend_label,
                        prompt_obj, usage, timings.finish(), notices=notices, fallback=fallback, replaced=replaced,
                        evidence=evidence, key_block=block, key_check=key_check,
                        code_from=code[2] if code is not None else 0)
        if conversation is not None:
            self._remember(conversation, result.graph, query, asked)
        return self._finish(answer, conversation, client, turn_id)

    def _remember(self, conversation: Conversation, ctx: GraphContext, query: str, asked: str) -> None:
        """What a follow-up's "it" and "that" mean: the topic a learning-path answer led to, else what was asked;
        and the topics the learner said they know ("I finished Docker last month"), for "so what's left?"."""
        if states_known(asked):
            claimed = [m.node for m in self.graph.match_names(asked) if m.how in {"name", "alias"}
                       and self.graph.kind(m.node) == "topic" and self.retriever.claimed(asked, m.node)]
            conversation.known = list(dict.fromkeys([*conversation.known, *claimed]))
        if ctx.intent in LEARNING_PATH and ctx.target:
            conversation.focus, conversation.subject = [ctx.target], self.graph.title(ctx.target)
        else:
            conversation.focus = [n for n in (ctx.target, ctx.focus) if n] or conversation.focus
            conversation.subject = query

    def resume(self, turns: list[tuple[str, str]], conversation_id: str | None = None) -> Conversation:
        """A conversation rebuilt from earlier ("user" | "assistant", text) turns without answering them again:
        each user turn only moves the focus through the graph, so a follow-up like "what comes after it?"
        knows what "it" is, as in `tutor chat`. Only the last few turns count (and cost work)."""
        conversation = Conversation(id=conversation_id) if conversation_id else Conversation()
        pending: str | None = None
        for role, text in turns[-2 * RESUME_TURNS:]:
            if role == "user":
                ctx = self.retriever.analyse(text, None, conversation.focus, conversation.known)
                self._remember(conversation, ctx, text, text)
                pending = text
            elif pending is not None:
                conversation.history.append((pending, text))
                pending = None
        return conversation

    def _generate(self, spec: BackendSpec, messages: list[dict[str, str]], prompt: Prompt, timings: Timings,
                  on_token: Callable[[str], None] | None, max_tokens: int | None = None,
                  citable: list[int] | None = None) -> tuple[str, Usage | None]:
        """The prompt's messages through the backend's LangChain chat model, streamed to ``on_token`` by a
        callback (so LangChain tracing and callbacks see the call), with its usage metadata. With a prompt that
        asks for guided citations, a backend that can guide decoding cites only the ``citable`` passages."""
        from langchain_core.messages import AIMessage

        backend = self.backend(spec)
        params = prompt.spec.parameters.model_dump()
        if max_tokens is not None:
            params["max_tokens"] = min(max_tokens, params.get("max_tokens") or max_tokens)
        if not params.pop("guided_citations", False):
            citable = None
        stream = token_stream(timings, on_token)
        with timings.stage("generate"):
            try:
                message = backend.runnable(params, citable=citable).invoke(
                    messages, config={"callbacks": [stream], "run_name": f"answer {prompt.ref}",
                                      "tags": [prompt.ref, spec.label]})
            except BackendUnavailable:
                raise
            except Exception as exc:
                raise backend.describe(exc) from None
        text = message.content.strip() if isinstance(message, AIMessage) and isinstance(message.content, str) else ""
        if getattr(message, "response_metadata", {}).get("finish_reason") == "length":
            text = drop_unfinished(text)  # cut off by the token limit: its last sentence never got its citation
        if not text:
            raise BackendUnavailable(f"{spec.label} returned an empty answer")
        return text, backend.usage_of(getattr(message, "usage_metadata", None))

    def _finish(self, answer: Answer, conversation: Conversation | None, client: str | None = None,
                turn_id: str | None = None) -> Answer:
        answer.client = client
        answer.turn_id = turn_id or uuid.uuid4().hex
        if conversation is not None:
            conversation.history.append((answer.question, answer.answer))
        if self.turns is not None:
            passages = [{"chunk_id": p.id, "doc_id": p.metadata.get("doc_id"), "source": p.metadata.get("source")}
                        for p in answer.passages]
            try:
                self.turns.append({**answer.to_json(), "flags": answer.flags, "passages": passages},
                                  conversation.id if conversation else None)
            except Exception as exc:  # the log must never cost the learner their answer
                log.warning("could not record the turn in %s: %s", self.turns.db, exc)
        return answer

    def render_messages(self, prompt: Prompt, question: str, texts: list[str], result: RetrievalResult,
                        evidence: list[str] | None = None) -> list[dict[str, str]]:
        """The messages a model is sent: the prompt version filled with the numbered passages, or with only the
        evidence selected from them (``context: evidence``), and the graph path (public: the benchmarks time a
        backend on exactly these)."""
        block = evidence_block(evidence, self.settings.evidence_tokens) \
            if prompt.spec.context == "evidence" and evidence else ""
        return prompt.render(question, block or self._passages_block(texts[:EVIDENCE_FALLBACK_PASSAGES]
                                                                     if prompt.spec.context == "evidence" else texts),
                             self._path_line(result))

    def warm(self, spec: BackendSpec | None = None) -> None:
        """Load the backend and let it read the fixed start of the prompt (the UI and `tutor serve` call this at
        start-up, so the first learner waits for their own question only)."""
        spec = spec or parse_spec(self.settings.llm)
        if spec.kind != "extractive":
            warm_backend(self.backend(spec), self.prompts.get(self.settings.prompt))

    @staticmethod
    def _passages_block(texts: list[str]) -> str:
        return "\n".join(f"[{i}] {t.strip()}" for i, t in enumerate(texts, start=1))

    def _path_line(self, result: RetrievalResult) -> str:
        ctx = result.graph
        if ctx.intent == "before" and len(ctx.path) > 1:
            return "Learning path from the roadmap graph: " + " → ".join(self.graph.title(n) for n in ctx.path) + "."
        if ctx.intent in {"after", "next"} and ctx.target:
            start = f"{self.graph.title(ctx.focus)} is followed by " if ctx.intent == "after" and ctx.focus else \
                "The next topic to learn is "
            return f"From the roadmap graph: {start}{self.graph.title(ctx.target)}."
        return ""

    @staticmethod
    def _leans_on_conversation(asked: str, names: list[NodeMatch]) -> bool:
        """In a conversation, a question that names nothing of the roadmap and says little ("what if I already
        pushed it?", "simpler?") is about the last answer, even without a word that says so."""
        if is_follow_up(asked):
            return True
        if any(m.how != "embedding" for m in names):
            return False
        return len(content_terms(asked)) <= SHORT_QUESTION_TERMS or classify(asked) in {"simplify", "practice"}

    def _similarity_to(self, vector: list[float]) -> Callable[[list[str]], list[float]] | None:
        """Cosine of each sentence to the question's embedding (the composer weighs meaning beside shared words)."""
        if not vector:
            return None

        query = np.asarray(vector, dtype=np.float32)

        def similarity(sentences: list[str]) -> list[float]:
            cache = self._sentence_vectors
            # one embedding at a time: concurrent requests for the same passages wait and then find them cached
            # (200 simultaneous API requests embedded the same sentences 200 times)
            with self._sentence_lock:
                todo = [s for s in dict.fromkeys(sentences) if s not in cache]
                if todo:
                    if len(cache) + len(todo) > SENTENCE_CACHE:
                        cache.clear()
                    cache.update(zip(todo, np.asarray(self.embedder.embed(todo), dtype=np.float32), strict=True))
                vectors = [cache[s] for s in sentences]
            return [float(v @ query) for v in vectors]
        return similarity

    def _out_of_scope(self, result: RetrievalResult, question: str) -> bool:
        """Nothing in the question names a topic, and neither the embedding nor the keywords find the roadmap in it.

        A subtopic's word alone ("layers", "dashboard") is weak evidence: Photoshop has layers too. A learner's
        own phrasing often sits below the embedding threshold but shares rare words with the notes (BM25). Asking
        where to begin is asking about this roadmap ("I'm a nurse, where should I begin?"), unless the learner
        says they are beginning something else ("I'm new to guitar, …")."""
        if self._off_roadmap(result, question):
            return True
        if any(m.how in STRONG_MATCHES for m in result.graph.nodes):
            return False
        others = where_to_begin(question)
        if others is not None and all(self.graph.match_names(w) for w in others):
            return False
        if self._turns_on_a_declined_word(result, question):
            return True
        if self.retriever.asked(result.vector, floor=ASK_IN_SCOPE):
            return False  # close to a question a document says it answers ("count orders per customer")
        return result.best_dense_similarity < OUT_OF_SCOPE_SIMILARITY and result.best_keyword_score < KEYWORD_IN_SCOPE

    def _turns_on_a_declined_word(self, result: RetrievalResult, question: str) -> bool:
        """A word of the question is one only declined questions use and no document holds ("Photoshop"), and the
        question is about as near those questions as any roadmap one, or names no topic and is near no roadmap
        question: below the near-miss floor, that word is the evidence the similarity alone is not ("merge layers"
        is Git's and Docker's vocabulary too)."""
        index = self.retriever.ask_index()
        if index is None or not result.vector:
            return False
        keyword = self.retriever.keyword_index()
        if not [w for w in set(content_terms(question)) & index.declined_terms if not keyword.scores([w])]:
            return False  # no such word, or a document holds it
        on, off = index.scope(result.vector)
        if off is not None and off.similarity >= on - DECLINED_WORD_MARGIN:
            return True
        # nor does the question name a topic, come near any question a document answers ("which caching plugin
        # makes my WordPress blog load faster?") or share many rare words with a document ("do I need BEGIN/COMMIT
        # ... a toy banking app"): nothing but the word says what it is about
        return on < ASK_IN_SCOPE and not any(m.how != "embedding" for m in result.graph.nodes) \
            and result.best_keyword_score < KEYWORD_CLEARLY_IN_SCOPE

    def _off_roadmap(self, result: RetrievalResult, question: str) -> bool:
        """The question is a near miss: nearer, by a margin, a question the tutor declines than any question a
        document answers. A learning-path question ("what comes after Git?"), a known symptom and asking what a
        topic is by its name ("what is the cloud?", near "cumulus and stratus clouds") are the roadmap's whatever
        their words."""
        if result.graph.intent in LEARNING_PATH or any(m.how == "symptom" for m in result.graph.nodes):
            return False
        thing = asks_what_it_is(question)
        if thing is not None and self.graph.named_by(thing) is not None:
            return False
        index = self.retriever.ask_index()
        if index is None or not result.vector:
            return False
        on, off = index.scope(result.vector)
        if off is None or off.similarity < OFF_ROADMAP_FLOOR or off.similarity < on + OFF_ROADMAP_MARGIN:
            return False
        log.debug("off the roadmap: %.2f from %r, %.2f from the nearest roadmap question", off.similarity, off.ask, on)
        return True

    def _out_of_scope_reply(self, vector: list[float]) -> str:
        node, sim = self.retriever.nearest_nodes(vector, 1)[0]
        return out_of_scope_reply(self.graph.title(node) if sim >= 0.2 else None)

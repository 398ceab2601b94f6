"""Practice sessions over the quiz bank: what to ask next (due reviews first, then new items of a chosen topic or
of the next topic the learner is ready for), grading with the cited source, FSRS scheduling and mastery per
roadmap node, kept per learner profile (app/infra/learners.py).

Mastery of a node (a topic, or a subtopic) is ``Σ score / (answered + PRIOR)`` over the node's items the learner
has answered, where an item scores its FSRS retrievability now (the probability of recalling it today) when the
last answer was right, and 0 when it was wrong. ``PRIOR`` counts as two unanswered items, so a few lucky answers
are not mastery: six right answers in a row give 6/8 = 0.75. A topic is *mastered* at ``MASTERED`` (0.75) or more;
mastery falls again as reviews become overdue. A lab the learner passed (``tutor lab check``) counts for each node it
exercises as ``LAB_WEIGHT`` right answers at full recall: doing the task is stronger evidence than recalling a fact,
and it does not fade. Mastered topics count as known for "what next" (with the topics a learner marks as known by
hand), and a topic is recommended when every prerequisite is known.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.core.graph import RoadmapGraph
from app.core.quiz import Item, Unit, bank_items, build_units, grade
from app.errors import TutorError
from app.infra import labresults
from app.infra.fileio import atomic_write_text
from app.infra.learners import Learners, check_profile
from app.infra.settings import Settings

log = logging.getLogger("tutor")
MASTERED = 0.75
PRIOR = 2
LAB_WEIGHT = 2  # a passed lab: two right answers' worth, so one lab and two right answers make 4/6
OPTIMIZE_AFTER = 1000  # reviews before a learner's own FSRS parameters are fitted (FSRS's own guidance)
BANK_VERSION = 2  # 2: no items from project files or lab tasks


class UnknownItem(TutorError):
    pass


def bank_path(settings: Settings) -> Any:
    return settings.data_dir / "quiz" / "items.json"


@dataclass
class Bank:
    units: dict[str, Unit]
    remade: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.items = bank_items(self.units)
        self.by_id = {i.id: i for i in self.items}

    def for_topic(self, topic: str) -> list[Item]:
        return [i for i in self.items if i.topic == topic]

    def rejected(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for unit in self.units.values():
            for reason, n in unit.rejected.items():
                out[reason] = out.get(reason, 0) + n
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    def stats(self, graph: RoadmapGraph) -> dict[str, Any]:
        kinds: dict[str, int] = {}
        for i in self.items:
            kinds[i.kind] = kinds.get(i.kind, 0) + 1
        return {"items": len(self.items), "per_topic": {t: len(self.for_topic(t)) for t in graph.topics()},
                "per_kind": kinds, "rejected": self.rejected(), "documents": len(self.units)}


def load_bank(settings: Settings, graph: RoadmapGraph, store: Any = None) -> Bank:
    """The item bank at <data dir>/quiz/items.json, brought up to date with the index first: only documents whose
    chunks changed since it was written are made again (their chunks are read from the store)."""
    path = bank_path(settings)
    previous: dict[str, Unit] = {}
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") == BANK_VERSION:
                previous = {d: Unit.from_dict(u) for d, u in data["units"].items()}
        except (OSError, ValueError, KeyError, TypeError) as exc:  # derived data: a bad file costs a rebuild
            log.warning("ignoring unreadable quiz bank %s (%s)", path, exc)
    doc_chunks = {n.removeprefix("doc:"): list(d.get("chunks", [])) for n, d in graph.g.nodes(data=True)
                  if d.get("kind") == "doc"}

    def fetch(ids: list[str]) -> list[dict[str, Any]]:
        nonlocal store
        if store is None:
            from app.infra.store import ChunkStore

            store = ChunkStore(settings, create=False)
        got = store.get(ids)
        return [{"id": i, "text": t or "", "metadata": m or {}}
                for i, t, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)]

    units, remade = build_units(doc_chunks, graph, previous, fetch)
    if remade or set(units) != set(previous):
        atomic_write_text(path, json.dumps({"version": BANK_VERSION, "units": {d: u.as_dict() for d, u in
                                                                              units.items()}}, indent=1))
    return Bank(units, remade)


def _utc(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


class Practice:
    """One process's view of practice: the graph, the bank and the learners' store."""

    def __init__(self, settings: Settings, graph: RoadmapGraph | None = None, learners: Learners | None = None,
                 store: Any = None, bank: Bank | None = None) -> None:
        self.settings = settings
        self.graph = graph or RoadmapGraph.load(settings.graph_path)
        self.learners = learners or Learners.for_settings(settings)
        self.bank = bank or load_bank(settings, self.graph, store)

    # --- scheduling ---

    def scheduler(self, profile: str) -> Any:
        from fsrs import Scheduler

        params = self.learners.parameters(profile)
        # no fuzzing: the same answers give the same schedule (tests, and replicas that must agree)
        return Scheduler(parameters=params, enable_fuzzing=False) if params else Scheduler(enable_fuzzing=False)

    def item(self, item_id: str) -> Item:
        item = self.bank.by_id.get(item_id)
        if item is None:
            raise UnknownItem(f"no quiz item '{item_id[:40]}'; ask for new items (the corpus may have changed)")
        return item

    def answer(self, profile: str, item_id: str, response: str, channel: str = "cli",
               now: datetime | None = None) -> dict[str, Any]:
        """Grade ``response``, reschedule the item's card and return the result with the cited source."""
        from fsrs import Card, Rating

        item, now = self.item(item_id), _utc(now)
        result = grade(item, response[:500])
        row = self.learners.card(profile, item_id)
        card = Card.from_json(row["card"]) if row else Card()
        rating = Rating.Good if result.correct else Rating.Again
        card, _ = self.scheduler(profile).review_card(card, rating, now)
        days = (card.due - now).total_seconds() / 86400
        self.learners.record_answer(profile, item.as_dict(), result.given, result.correct, int(rating),
                                    card.to_json(), card.due.isoformat(), card.card_id, days, channel)
        return {"item_id": item.id, "correct": result.correct, "expected": result.expected, "given": result.given,
                "evidence": item.evidence, "source": item.source, "chunk_id": item.chunk_id, "doc_id": item.doc_id,
                "due": card.due.isoformat(), "interval_days": round(days, 4), "topic": item.topic,
                "mastery": round(self.mastery(profile, now).get(item.topic, 0.0), 3)}

    # --- mastery and progress ---

    def mastery(self, profile: str, now: datetime | None = None) -> dict[str, float]:
        """Mastery per node answered (topics and subtopics), as the module docstring defines it."""
        from fsrs import Card

        now = _utc(now)
        scheduler = self.scheduler(profile)
        sums: dict[str, list[float]] = {}
        for row in self.learners.cards(profile):
            score = scheduler.get_card_retrievability(Card.from_json(row["card"]), now) if row["last_correct"] \
                else 0.0
            for node in {row["topic"], row["node"]}:
                sums.setdefault(node, []).append(score)
        for node, labs in labresults.passed_per_node(self.settings.state_database, profile).items():
            sums.setdefault(node, []).extend([1.0] * (LAB_WEIGHT * len(labs)))
        return {node: sum(s) / (len(s) + PRIOR) for node, s in sums.items()}

    def mastered_topics(self, profile: str, now: datetime | None = None) -> list[str]:
        m = self.mastery(profile, now)
        return [t for t in self.graph.topics() if m.get(t, 0.0) >= MASTERED]

    def recommend(self, profile: str, known: Iterable[str] = (), now: datetime | None = None) -> str | None:
        """The first topic in roadmap order, not yet known or mastered, whose prerequisites all are."""
        known_set = set(known) | set(self.mastered_topics(profile, now))
        ready = [r["topic"] for r in self.graph.next_topics(known_set) if r["ready"]]
        return ready[0] if ready else None

    def due(self, profile: str, now: datetime | None = None, today: bool = False) -> list[Item]:
        """Items whose review is due now (or by the end of today, UTC), most overdue first."""
        now = _utc(now)
        until = now.replace(hour=23, minute=59, second=59) if today else now
        return [self.bank.by_id[r["item_id"]] for r in self.learners.due(profile, until.isoformat())
                if r["item_id"] in self.bank.by_id]

    def next_items(self, profile: str, topic: str | None = None, n: int = 10, known: Iterable[str] = (),
                   now: datetime | None = None) -> list[Item]:
        """Due reviews first (of ``topic`` when given), then items never answered: of ``topic``, else of the
        recommended topic and the topics after it, easiest first."""
        now = _utc(now)
        out = [i for i in self.due(profile, now) if topic in (None, i.topic)][:n]
        seen = {r["item_id"] for r in self.learners.cards(profile)} | {i.id for i in out}
        first = topic or self.recommend(profile, known, now) or self.graph.topics()[0]
        order = [first] if topic else [first, *[t for t in self.graph.topics() if t != first]]
        for t in order:
            fresh = sorted((i for i in self.bank.for_topic(t) if i.id not in seen), key=lambda i: (i.difficulty, i.id))
            out += fresh[: n - len(out)]
            if len(out) >= n:
                break
        return out

    def progress(self, profile: str, known: Iterable[str] = (), now: datetime | None = None) -> dict[str, Any]:
        now = _utc(now)
        m = self.mastery(profile, now)
        cards = self.learners.cards(profile)
        answered: dict[str, int] = {}
        for row in cards:
            answered[row["topic"]] = answered.get(row["topic"], 0) + 1
        tier_of = {t: f"tier-{self.graph.g.nodes[t]['tier']}" for t in self.graph.topics()}
        topics: list[dict[str, Any]] = [
                  {"topic": t, "title": self.graph.title(t), "tier": tier_of[t],
                   "mastery": round(m.get(t, 0.0), 3), "mastered": m.get(t, 0.0) >= MASTERED,
                   "answered": answered.get(t, 0), "items": len(self.bank.for_topic(t))}
                  for t in self.graph.topics()]
        tiers = [{"tier": tier, "title": self.graph.title(tier),
                  "mastery": round(sum(r["mastery"] for r in topics if r["tier"] == tier) /
                                   max(1, sum(r["tier"] == tier for r in topics)), 3)}
                 for tier in self.graph.tiers()]
        return {"profile": profile, "due_now": len(self.due(profile, now)),
                "due_today": len(self.due(profile, now, today=True)), "scheduled": len(cards),
                "mastered_threshold": MASTERED, "tiers": tiers, "topics": topics,
                "next": self.recommend(profile, known, now)}

    def personalise(self, profile: str) -> list[float] | None:
        """Fit the learner's own FSRS parameters once they have ``OPTIMIZE_AFTER`` reviews (FSRS's optimizer;
        until then the defaults stay). Returns the parameters set, or None."""
        attempts = self.learners.attempts(profile)
        if len(attempts) < OPTIMIZE_AFTER:
            return None
        from fsrs import Optimizer, Rating, ReviewLog

        logs = [ReviewLog(a["card_id"], Rating(a["rating"]), datetime.fromisoformat(a["ts"]), None)
                for a in attempts]
        params = list(Optimizer(logs).compute_optimal_parameters())
        self.learners.set_parameters(profile, params)
        return params


def scoped_profile(name: str, client: str | None = None) -> str:
    """The stored profile name: an API key's learners live under "<key name>:<profile>", so one key can never
    read or write another key's learners; the CLI, the browser app and a server without keys use the bare name."""
    check_profile(name)
    return f"{client}:{name}" if client and client != "anonymous" else name

"""Practice (app/core/practice.py) over the real fsrs package and the learners' SQLite store: intervals grow on
right answers and shrink on lapses, mastery rises with right answers, "what next" follows prerequisites and
mastery, the manual known list still overrides, and each profile keeps its own state."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.core.graph import RoadmapGraph
from app.core.practice import MASTERED, Practice, load_bank, scoped_profile
from app.errors import TutorError
from app.infra.learners import Learners, check_profile
from app.infra.settings import Settings

pytestmark = pytest.mark.timeout(120)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def world(fake_world: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[RoadmapGraph, Any, Any]:
    settings, index, _ = fake_world
    graph = RoadmapGraph.load(settings.graph_path)
    bank_dir = tmp_path_factory.mktemp("bank")
    bank = load_bank(Settings(data_dir=bank_dir, llm="extractive"), graph, index)
    return graph, index, bank


@pytest.fixture()
def practice(world: Any, tmp_path: Path) -> Practice:
    graph, index, bank = world
    return Practice(Settings(data_dir=tmp_path, llm="extractive"), graph=graph, store=index, bank=bank)


def wrong(p: Practice, item_id: str) -> str:
    item = p.item(item_id)
    return next(o for o in item.options if o != item.answer) if item.options and item.kind != "order" else "no idea"


def test_intervals_grow_on_right_answers_and_shrink_on_a_lapse(practice: Practice) -> None:
    item = next(i for i in practice.bank.items if i.kind == "concept")
    now, intervals = T0, []
    for _ in range(4):
        r = practice.answer("ann", item.id, item.answer, now=now)
        assert r["correct"]
        intervals.append(r["interval_days"])
        now = datetime.fromisoformat(r["due"])
    assert intervals == sorted(intervals) and len(set(intervals)) == 4, intervals
    lapse = practice.answer("ann", item.id, wrong(practice, item.id), now=now)
    assert not lapse["correct"] and lapse["interval_days"] < intervals[-1]
    now = datetime.fromisoformat(lapse["due"])
    again = practice.answer("ann", item.id, item.answer, now=now)
    assert lapse["interval_days"] < again["interval_days"] < intervals[-1]  # relearning: shorter than before
    card = practice.learners.card("ann", item.id)
    assert card is not None and card["reps"] == 6 and card["lapses"] == 1
    assert [a["correct"] for a in practice.learners.attempts("ann")] == [1, 1, 1, 1, 0, 1]


def test_a_lapse_is_due_again_soon_and_comes_first(practice: Practice) -> None:
    first, second = [i for i in practice.bank.for_topic("git")][:2]
    practice.answer("bo", first.id, wrong(practice, first.id), now=T0)
    practice.answer("bo", second.id, second.answer, now=T0)
    assert practice.due("bo", T0) == []
    later = T0 + timedelta(minutes=2)
    assert [i.id for i in practice.due("bo", later)] == [first.id]
    assert practice.next_items("bo", n=3, now=later)[0].id == first.id
    assert {i.id for i in practice.due("bo", later, today=True)} == {first.id, second.id}


def test_mastery_rises_with_right_answers_and_what_next_follows_prerequisites(practice: Practice) -> None:
    assert practice.recommend("cy", now=T0) == "python"
    items = practice.next_items("cy", "python", n=8, now=T0)
    assert len(items) == 8 and {i.topic for i in items} == {"python"}
    for i in items[:3]:
        practice.answer("cy", i.id, i.answer, now=T0)
    assert 0 < practice.mastery("cy", T0)["python"] < MASTERED
    assert "python" not in practice.mastered_topics("cy", T0)
    for i in items[3:]:
        practice.answer("cy", i.id, i.answer, now=T0)
    assert practice.mastery("cy", T0)["python"] >= MASTERED
    assert practice.mastered_topics("cy", T0) == ["python"]
    assert practice.recommend("cy", now=T0) == "git"  # git's prerequisite (python) is mastered
    # a wrong answer scores nothing: mastery drops
    before = practice.mastery("cy", T0)["python"]
    practice.answer("cy", items[0].id, wrong(practice, items[0].id), now=T0)
    assert practice.mastery("cy", T0)["python"] < before
    # mastery decays as reviews fall overdue
    assert practice.mastery("cy", T0 + timedelta(days=200))["python"] < practice.mastery("cy", T0)["python"]
    progress = practice.progress("cy", now=T0)
    assert [t["topic"] for t in progress["topics"]][:2] == ["python", "git"]
    assert progress["tiers"][0]["mastery"] > 0 and progress["scheduled"] == 8


def test_the_manual_known_list_overrides(practice: Practice) -> None:
    assert practice.recommend("dee", known=["python", "git", "linux"], now=T0) == "sql"
    assert practice.recommend("dee", known=["docker"], now=T0) == "python"  # docker's prerequisites are not known
    assert practice.next_items("dee", n=2, known=["python", "git", "linux"], now=T0)[0].topic == "sql"


def test_profiles_are_separate_and_names_are_bounded(practice: Practice) -> None:
    item = practice.bank.items[0]
    practice.answer(scoped_profile("eve", "team-a"), item.id, item.answer, now=T0)
    assert practice.learners.cards("eve") == []
    assert practice.learners.cards("team-a:eve") and scoped_profile("eve") == "eve"
    assert practice.learners.profiles(prefix="team-a:") == ["team-a:eve"]
    for bad in ("", "a/b", "x" * 65, "a b", "team:eve"):
        with pytest.raises(TutorError):
            check_profile(bad)


def test_the_bank_file_is_reused_and_the_schema_is_migration_0006(world: Any, practice: Practice,
                                                                  tmp_path: Path) -> None:
    graph, index, bank = world
    again = load_bank(Settings(data_dir=tmp_path / "b", llm="extractive"), graph, index)
    assert again.remade  # first build in a new data dir
    assert load_bank(Settings(data_dir=tmp_path / "b", llm="extractive"), graph, index).remade == []
    practice.learners.ensure_profile("fay")
    tables = {r[0] for r in sqlite3.connect(tmp_path / "usage.sqlite").execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"learner_profiles", "learner_reviews", "quiz_attempts"} <= tables
    assert practice.personalise("fay") is None  # default FSRS parameters until enough reviews
    assert isinstance(Learners.for_settings(practice.settings).profiles(), list)


def test_a_passed_lab_counts_toward_its_nodes(practice: Practice) -> None:
    from app.infra import labresults

    assert "sql" not in practice.mastery("fay", now=T0)
    db = practice.settings.state_database
    labresults.record(db, "sql-x", ["sql", "sub:sql:joins"], False, "wrong rows", profile="fay")
    assert "sql" not in practice.mastery("fay", now=T0)  # a failed check is no evidence
    labresults.record(db, "sql-x", ["sql", "sub:sql:joins"], True, "passed", profile="fay")
    one = practice.mastery("fay", now=T0)
    assert one["sql"] == one["sub:sql:joins"] == 2 / 4
    item = practice.bank.for_topic("sql")[0]
    practice.answer("fay", item.id, item.answer, now=T0)
    assert practice.mastery("fay", now=T0)["sql"] > one["sql"]
    assert "sql" not in practice.mastery("gus", now=T0)  # another learner's lab

"""`tutor quiz [TOPIC]` and `tutor progress`: practice in the terminal. Registered through the ``roadmap_tutor.cli``
entry-point group (pyproject.toml) like `tutor lab`; a front end (the import-linter layers say so). The quiz reads
answers line by line from stdin, so it also runs with piped input; an empty line or end of input stops it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from app.errors import TutorError
from app.infra.settings import Settings, load_settings

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
_PROFILE = typer.Option("--profile", help="Whose practice this is (default: TUTOR_PROFILE, else 'default').")
SAMPLES = 30


def _settings() -> Settings:
    return load_settings(lambda line: err.print(f"[yellow]notice:[/yellow] {line}"))


def _practice(settings: Settings) -> Any:
    from app.core.practice import Practice

    return Practice(settings)


def _profile(settings: Settings, given: str | None) -> str:
    from app.infra.learners import check_profile

    return check_profile(given or settings.profile)


def _topic(practice: Any, name: str | None) -> str | None:
    if not name:
        return None
    try:
        topic = str(practice.graph.resolve(name))
    except KeyError:
        topic = ""
    if not topic or practice.graph.kind(topic) != "topic":
        raise TutorError(f"no roadmap topic '{name}'; topics: {', '.join(practice.graph.topics())}")
    return topic


def show_item(number: int, total: int, item: Any) -> None:
    out.print(f"\n[bold]{number}/{total}[/bold] [dim]{item.topic} · {item.kind} · difficulty {item.difficulty}[/dim]")
    out.print(escape(item.question))
    for letter, option in zip("ABCD", item.options, strict=False):
        out.print(f"  {letter}) {escape(option)}")
    hint = "letters in order, e.g. BDAC" if item.kind == "order" else "a letter" if item.options else "a few words"
    out.print(f"[dim]Answer with {hint}; an empty line stops.[/dim]")


def quiz(topic: Annotated[str | None, typer.Argument(help="A roadmap topic (default: the next one for you).")] = None,
         profile: Annotated[str | None, _PROFILE] = None,
         count: Annotated[int, typer.Option("-n", "--count", min=1, max=100, help="Items in this session.")] = 10,
         samples: Annotated[Path | None, typer.Option("--samples", help=f"Write {SAMPLES} sample items as Markdown to "
                                                                       "this file and stop.")] = None,
         bank_stats: Annotated[bool, typer.Option("--bank-stats", help="Print the item bank's figures as JSON "
                                                                       "and stop.")] = False) -> None:
    """A quiz: reviews due first, then new items of TOPIC (or of the topic you are ready for); each answer is
    graded at once with the passage it comes from, and scheduled for review (FSRS)."""
    settings = _settings()
    practice = _practice(settings)
    if bank_stats:
        sys.stdout.write(json.dumps(practice.bank.stats(practice.graph), indent=2) + "\n")
        return
    if samples is not None:
        samples.write_text(render_samples(practice), encoding="utf-8")
        out.print(f"wrote {SAMPLES} sample items to {samples}")
        return
    who = _profile(settings, profile)
    items = practice.next_items(who, _topic(practice, topic), count)
    if not items:
        out.print("Nothing to practise here: every item of this topic is answered and none is due.")
        return
    right = 0
    for number, item in enumerate(items, start=1):
        show_item(number, len(items), item)
        line = sys.stdin.readline()
        if not line.strip():
            break
        result = practice.answer(who, item.id, line.strip(), channel="cli")
        right += result["correct"]
        verdict = "[green]right[/green]" if result["correct"] else \
            f"[red]not quite[/red]: the answer is [bold]{escape(result['expected'])}[/bold]"
        out.print(f"{verdict} · next review in {_interval(result['interval_days'])}")
        out.print(f"[dim]Source: {escape(result['source'])} ({result['chunk_id']}): “{escape(result['evidence'])}”"
                  "[/dim]")
        out.print(f"[dim]{practice.graph.title(item.topic)} mastery: {result['mastery']:.0%}[/dim]")
    out.print(f"\n{right} right. `tutor progress` shows your mastery per topic.")


def _interval(days: float) -> str:
    if days < 1 / 24:
        return f"{max(1, round(days * 1440))} min"
    return f"{round(days * 24)} h" if days < 1 else f"{round(days)} days"


def progress(profile: Annotated[str | None, _PROFILE] = None,
             as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False) -> None:
    """Mastery per tier and topic, reviews due, and the topic to learn next."""
    settings = _settings()
    practice = _practice(settings)
    data = practice.progress(_profile(settings, profile))
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    out.print(f"[bold]{data['profile']}[/bold]: {data['due_now']} due now, {data['due_today']} due today, "
              f"{data['scheduled']} items scheduled")
    for tier in data["tiers"]:
        out.print(f"\n[bold]{tier['title']}[/bold] {_bar(tier['mastery'])} {tier['mastery']:.0%}")
        for t in (r for r in data["topics"] if r["tier"] == tier["tier"]):
            mark = " [green]mastered[/green]" if t["mastered"] else ""
            out.print(f"  {t['title']:<14} {_bar(t['mastery'])} {t['mastery']:>4.0%}  "
                      f"{t['answered']}/{t['items']} answered{mark}")
    nxt = data["next"]
    out.print(f"\nNext: {practice.graph.title(nxt) if nxt else 'the roadmap is mastered'}"
              f" (mastered at {data['mastered_threshold']:.0%}; `tutor quiz` practises it)")


def _bar(value: float, width: int = 20) -> str:
    full = round(value * width)
    return "█" * full + "·" * (width - full)


def render_samples(practice: Any) -> str:
    """``SAMPLES`` items, spread over topics and kinds in a fixed order (the same file on every run)."""
    bank = practice.bank
    by_topic = {t: sorted(bank.for_topic(t), key=lambda i: i.id) for t in practice.graph.topics()}
    picked: list[Any] = []
    kinds_used: dict[str, int] = {}
    while len(picked) < SAMPLES and any(by_topic.values()):
        for t in practice.graph.topics():
            pool = by_topic[t]
            if not pool or len(picked) >= SAMPLES:
                continue
            item = min(pool, key=lambda i: (kinds_used.get(i.kind, 0), i.id))
            pool.remove(item)
            kinds_used[item.kind] = kinds_used.get(item.kind, 0) + 1
            picked.append(item)
    stats = bank.stats(practice.graph)
    lines = ["# Quiz samples", "",
             f"Generated by `tutor quiz --samples docs/quiz-samples.md` from the bank of {stats['items']} validated "
             f"items (every one's answer supported by its cited chunk; {sum(stats['rejected'].values())} candidates "
             "rejected by the checks). docs/practice.md explains how items are made and checked.", "",
             "| topic | items |", "|---|---|", *[f"| {t} | {n} |" for t, n in stats["per_topic"].items()], ""]
    for n, item in enumerate(picked, start=1):
        lines += [f"## {n}. {item.topic} · {item.kind} · difficulty {item.difficulty}", "", item.question, ""]
        lines += [f"- {letter}) {o}" for letter, o in zip("ABCD", item.options, strict=False)]
        if item.options:
            lines.append("")
        accepted = f" (also accepted: {', '.join(a for a in item.accepted if a != item.answer)})" \
            if item.kind == "short" and len(item.accepted) > 1 else ""
        lines += [f"**Answer:** {item.answer}{accepted}", "",
                  f"**Source:** {item.source} (`{item.chunk_id}`): “{item.evidence}”", ""]
    return "\n".join(lines)

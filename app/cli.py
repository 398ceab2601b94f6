"""`tutor`: the command-line shell over the tutor's functions. Errors become one line, never a traceback."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

import app.infra.offline  # noqa: F401
from app.errors import TutorError, validation_problem
from app.infra.settings import Settings

cli = typer.Typer(help="Roadmap Tutor: an offline RAG tutor for the AI-operations learning roadmap.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
graph_cli = typer.Typer(help="Query the roadmap knowledge graph.", no_args_is_help=True)
cli.add_typer(graph_cli, name="graph")
prompts_cli = typer.Typer(help="List, show and diff versioned prompts.", no_args_is_help=True)
cli.add_typer(prompts_cli, name="prompts")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
log = logging.getLogger("tutor")


def settings() -> Settings:
    """The settings, after moving a ./.tutor of an older version into the per-user data dir (once)."""
    from app.infra.settings import load_settings

    return load_settings(lambda line: err.print(f"[yellow]notice:[/yellow] {line}"))


@cli.callback()
def _options(verbose: Annotated[int, typer.Option("--verbose", "-v", count=True,
                                                  help="More log lines on stderr (-v info, -vv debug); "
                                                       "or set TUTOR_LOG_LEVEL.")] = 0) -> None:
    from app.infra.logs import configure_cli_logging

    configure_cli_logging(verbose)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


@cli.command()
def ingest(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan; write nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    online: Annotated[bool, typer.Option("--online", help="Fetch https: sources (cached afterwards).")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when any file was skipped.")] = False,
) -> None:
    """Load the corpus, chunk, embed and index it: only what changed since the last run."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from ingest.pipeline import run_ingest

    cfg = settings()
    bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                   TimeRemainingColumn(), console=err, transient=True, disable=as_json or not err.is_terminal)
    task = bar.add_task("embedding chunks", total=None)

    def progress(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)
        if not err.is_terminal and not as_json:
            err.print(f"embedding chunks: {done}/{total}")

    with bar:
        result = run_ingest(cfg, dry_run=dry_run, online=online, progress=progress)
    plan = result.plan
    if as_json:
        emit_json(result.as_json())
    else:
        _print_notices(plan.notices)
        for uri, reason in plan.skipped:
            err.print(f"[yellow]skipped[/yellow] {uri}: {reason}")
        if dry_run:
            _print_plan(plan)
        c = plan.counts(result.embedded)
        verb = "would embed" if dry_run else "embedded"
        out.print(f"{'plan' if dry_run else 'ingest'}: +{c['added']} added, ~{c['updated']} updated, "
                  f"-{c['removed']} removed, {c['unchanged']} unchanged, {c['skipped']} skipped; "
                  f"chunks +{c['chunks_added']} -{c['chunks_removed']} = {c['chunks_total']}"
                  + (f" ({c['relabelled']} relabelled)" if c["relabelled"] else "") + "; "
                  f"{verb} {c['embedded']}" + (f" and {c['asks_embedded']} learner questions" if c['asks_embedded']
                                                else "") + f" in {result.seconds:.1f}s")
    if strict and plan.skipped:
        raise typer.Exit(1)


def _print_notices(notices: list[tuple[str, str]]) -> None:
    web = [uri for uri, reason in notices if uri.startswith("https:") and "--online" in reason]
    for uri, reason in notices:
        if uri not in web:
            err.print(f"[dim]notice: {uri}: {reason}[/dim]")
    if web:
        err.print(f"[dim]notice: {len(web)} https sources are not fetched yet (offline by default); "
                  "`tutor ingest --online` downloads and caches them[/dim]")


def _print_plan(plan: Any) -> None:
    for sign, docs in (("+", plan.added), ("~", plan.updated), ("-", plan.removed), ("!", plan.repaired)):
        for doc in docs:
            out.print(f"  {sign} {doc}")


def _graph() -> Any:
    from app.core.graph import RoadmapGraph

    return RoadmapGraph.load(settings().graph_path)


def _resolve(graph: Any, name: str) -> str:
    try:
        return str(graph.resolve(name))
    except KeyError:
        raise TutorError(f"'{name}' is not a roadmap topic; try one of: {', '.join(graph.topics())}") from None


@graph_cli.command("path")
def graph_path(
    topic: Annotated[str, typer.Argument(help="A topic, e.g. kubernetes or k8s.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The learning path to TOPIC: its prerequisites in roadmap order, then the topic."""
    g = _graph()
    node = _resolve(g, topic)
    if g.kind(node) != "topic":
        raise TutorError(f"'{topic}' is a tier; ask for a topic (e.g. {g.topics_in_tier(node)[0]})")
    path = g.path_to(node)
    if as_json:
        emit_json({"topic": node, "prerequisites": path[:-1], "path": path,
                   "titles": [g.title(n) for n in path]})
        return
    out.print(" → ".join(g.title(n) for n in path))


@graph_cli.command("next")
def graph_next(
    known: Annotated[str, typer.Option("--known", help="Comma-separated topics you already know.")] = "",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """What to learn next, given the topics you already know."""
    g = _graph()
    known_ids = [_resolve(g, k) for k in known.split(",") if k.strip()]
    rows = g.next_topics(known_ids)
    ready = [r for r in rows if r["ready"]]
    if as_json:
        emit_json({"known": known_ids, "next": ready[0]["topic"] if ready else None, "candidates": rows})
        return
    if not rows:
        out.print("You know every topic of the roadmap. Go deeper: focus on depth before speed.")
        return
    first = ready[0] if ready else rows[0]
    out.print(f"Next: {first['title']} ({first['topic']})")
    for r in rows[1:4]:
        missing = f" (first: {', '.join(r['missing'])})" if r["missing"] else ""
        out.print(f"  then {r['title']}{missing}")


@graph_cli.command("show")
def graph_show(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The whole roadmap: tiers, topics in order, subtopics, symptoms → topics."""
    g = _graph()
    summary = g.summary()
    if as_json:
        emit_json(summary)
        return
    for tier in summary["tiers"]:
        out.print(f"[bold]{tier['title']}[/bold]")
        for t in tier["topics"]:
            pre = f" (after {', '.join(t['prerequisites'])})" if t["prerequisites"] else ""
            out.print(f"  {t['order']:>2}. {t['title']}{pre} — {t['documents']} docs, {t['chunks']} chunks")
            if t["subtopics"]:
                out.print(f"      {', '.join(t['subtopics'])}")
    out.print("[bold]Symptoms → topics[/bold]")
    for s in summary["symptoms"]:
        out.print(f"  {s['symptom']} → {', '.join(s['topics'])}")
    out.print(f"Learning sequence: {' → '.join(summary['sequence'])}")


LlmOption = Annotated[str | None, typer.Option("--llm", help="extractive | local[:NAME|PATH] | "
                                                         "openai[:MODEL][@BASE_URL] (default: TUTOR_LLM)")]
PromptOption = Annotated[str | None, typer.Option("--prompt", help="NAME@VERSION, e.g. answer@2 (default: latest)")]


def _tutor() -> Any:
    from app.core.tutor import Tutor

    return Tutor(settings())


def print_answer(answer: Any, streamed: bool = False) -> None:
    """The answer (unless it was already streamed), its notices, flags, sources and usage."""
    for notice in answer.notices:
        err.print(f"[yellow]notice:[/yellow] {notice}")
    if not streamed:
        out.print(answer.answer)
    elif answer.key_block:  # the model's words went out as they came; what the sources add follows them
        out.print(answer.key_block.lstrip("\n"), markup=False)
    for detail in answer.check.details() if answer.check else []:
        err.print(f"[yellow]unsupported:[/yellow] {escape(str(detail['sentence']))} ({escape(str(detail['reason']))})")
    from app.core.presenting import source_line, usage_line

    citations = answer.citations()
    if citations:
        out.print("\nSources:")
        for c in citations:
            out.print(f"  {source_line(c)}", markup=False)
    err.print(usage_line(answer.to_json()), style="dim", markup=False)


@cli.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question, in quotes.")],
    llm: LlmOption = None,
    prompt: PromptOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    strict: Annotated[bool | None, typer.Option("--strict/--no-strict", show_default=False,
                                                help="Remove (or keep and flag) a model's unsupported sentences; "
                                                     "default TUTOR_STRICT, else on for local models.")] = None,
) -> None:
    """Ask one question; prints the answer and its numbered sources."""
    tutor = _tutor()
    stream = not as_json and out.is_terminal

    streamed: list[str] = []

    def on_token(piece: str) -> None:
        streamed.append(piece)
        out.print(piece, end="")

    answer = tutor.ask(question, llm=llm, prompt=prompt, on_token=on_token if stream else None, strict=strict)
    if as_json:
        emit_json(answer.to_json())
        return
    if stream and answer.backend not in ("extractive", "policy") and not answer.fallback:
        out.print()
        if answer.body.strip() != "".join(streamed).strip():  # strict mode or the checker changed it
            out.print(f"[dim](checked: {escape(answer.body)})[/dim]")
    print_answer(answer, streamed=stream and answer.backend not in ("extractive", "policy") and not answer.fallback)


@cli.command()
def warm(llm: LlmOption = None) -> None:
    """Load the model and read the prompt's fixed rules now, keeping that state beside the model, so the UI and
    `tutor serve` answer their first question without reading them again (`make run` calls this)."""
    import time

    from app.core.prompts import PromptRegistry
    from app.core.tutor import warm_backend
    from app.infra.llm import make_backend, parse_spec

    cfg = settings()  # the model and the prompt only: no index to load
    spec = parse_spec(llm or cfg.llm)
    started = time.perf_counter()
    if spec.kind != "extractive":
        warm_backend(make_backend(spec, cfg), PromptRegistry().get(cfg.prompt))
    out.print(f"{spec.kind} backend warm in {time.perf_counter() - started:.1f} s"
              if spec.kind != "extractive" else "the extractive backend needs no warm-up")


@cli.command()
def chat(llm: LlmOption = None, prompt: PromptOption = None) -> None:
    """A terminal chat: follow-up questions use the conversation; ':up' or ':down [comment]' rates the last
    answer. Ctrl-D or 'exit' to leave."""
    from app.core.tutor import Conversation

    tutor = _tutor()
    conversation = Conversation()
    last: Any = None
    out.print("Roadmap Tutor — ask about the AI-operations roadmap. Rate the last answer with :up or "
              ":down [what was wrong]. Ctrl-D or 'exit' to leave.")
    while True:
        try:
            question = out.input("[bold]you>[/bold] ")
        except EOFError:
            out.print()
            return
        if question.strip().lower() in {"exit", "quit", ":q"}:
            return
        if not question.strip():
            continue
        if question.strip().split(" ", 1)[0].lower() in (":up", ":down"):
            _rate_in_chat(tutor, last, question.strip())
            continue
        out.print("[bold]tutor>[/bold] ", end="")
        streamed: list[str] = []

        def on_token(piece: str, streamed: list[str] = streamed) -> None:
            streamed.append(piece)
            out.print(piece, end="")

        try:
            answer = tutor.ask(question, conversation=conversation, llm=llm, prompt=prompt, on_token=on_token)
        except TutorError as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}")
            continue
        if streamed and not answer.fallback:
            out.print()
        print_answer(answer, streamed=bool(streamed) and not answer.fallback)
        last = answer


def _rate_in_chat(tutor: Any, answer: Any, command: str) -> None:
    from app.core.feedback import record_feedback

    if answer is None:
        err.print("nothing to rate yet: ask a question first, then :up or :down [comment]")
        return
    word, _, comment = command[1:].partition(" ")
    try:
        record_feedback(tutor.turns, answer.turn_id, word.lower(), comment, channel="cli")
    except TutorError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        return
    out.print(f"[dim]thanks: recorded {word.lower()}" + (" with your comment" if comment.strip() else "") +
              " on the last answer[/dim]")


@prompts_cli.command("list")
def prompts_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every prompt version with its description and sha256."""
    from app.core.prompts import PromptRegistry

    rows = [{"ref": p.ref, "sha256": p.sha256, "description": p.spec.description, "changelog": p.spec.changelog}
            for p in PromptRegistry().all()]
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        out.print(f"{r['ref']:<12} {r['sha256'][:12]}  {r['description']}")
        out.print(f"{'':<12} {'':<12}  [dim]{r['changelog']}[/dim]")


@prompts_cli.command("show")
def prompts_show(ref: Annotated[str, typer.Argument(help="NAME@VERSION or NAME@latest")]) -> None:
    """Print one prompt version as stored."""
    from app.core.prompts import PromptRegistry

    p = PromptRegistry().get(ref)
    out.print(f"# {p.ref}  sha256 {p.sha256}  ({p.path})")
    sys.stdout.write(p.path.read_text(encoding="utf-8"))


@prompts_cli.command("diff")
def prompts_diff(a: Annotated[str, typer.Argument()], b: Annotated[str, typer.Argument()]) -> None:
    """A unified diff between two prompt versions."""
    from app.core.prompts import PromptRegistry

    sys.stdout.write(PromptRegistry().diff(a, b) + "\n")


_plugins_loaded = False


def load_plugins() -> None:
    """Commands registered under the ``roadmap_tutor.cli`` entry-point group: `tutor serve` and `tutor keys` from
    the server, `tutor eval` from the eval suite. A Typer app becomes a command group, a function a command."""
    global _plugins_loaded
    from importlib.metadata import entry_points

    if _plugins_loaded:
        return
    _plugins_loaded = True
    for ep in entry_points(group="roadmap_tutor.cli"):
        try:
            command = ep.load()
            if isinstance(command, typer.Typer):
                cli.add_typer(command, name=ep.name)
            else:
                cli.command(name=ep.name)(command)
        except Exception as exc:  # a broken plugin must not take the tutor down
            log.warning("could not load the '%s' command: %s", ep.name, exc)


def main() -> None:
    # Built-in commands need no plugin: `tutor ask` should not import the server or the eval suite.
    builtin = {c.name or (c.callback.__name__ if c.callback else "") for c in cli.registered_commands}
    builtin |= {g.name for g in cli.registered_groups if g.name}
    if len(sys.argv) < 2 or sys.argv[1] not in builtin:
        load_plugins()
    run_guarded(cli)


def run_guarded(command: Callable[[], object]) -> None:
    """Run a CLI app; the errors a user can cause become one line and exit 2, never a traceback."""
    from app.infra.logs import configure_cli_logging

    configure_cli_logging()
    try:
        command()
    except TutorError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")  # a message may hold [brackets]: print them
        sys.exit(2)
    except ValidationError as exc:
        loc, problem = validation_problem(exc)
        err.print(f"[red]error:[/red] bad setting TUTOR_{'.'.join(map(str, loc)).upper()}: {problem}")
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted; run the command again to resume (ingest picks up where it stopped)")
        sys.exit(130)


if __name__ == "__main__":
    main()

"""The extractive answer: no model, the best-supporting sentences of the retrieved passages plus the
learning path from the graph, every sentence cited. Instant and deterministic; also the fallback."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable

from app.core.citations import lexical_support
from app.core.graph import RoadmapGraph
from app.core.intent import asks_what_it_is, compared_names, states_a_claim, wants_code
from app.core.retrieval import (
    DEFINING_TYPES,
    EXERCISES,
    GLOSSARY_KIND,
    PLAIN_WORDS,
    PROJECT_KIND,
    GraphContext,
    Passage,
    routed_docs,
)
from app.core.safety import injected
from app.core.text import STOPWORDS, content_terms, passage_sentences, stem, words

log = logging.getLogger(__name__)

MAX_SENTENCES = 4
MAX_PER_PASSAGE = 2
MIN_SCORE = 0.6  # below this a sentence shares too little with the question to be worth quoting
MEANING_WEIGHT = 1.0  # how much a sentence's embedding similarity to the question counts beside shared words
ROUTED_BONUS = 0.4  # a task or symptom is answered by the note the graph routed it to, not a neighbour's summary
RELEVANT_MEANING = 0.35
VOCABULARY_WEIGHT = 0.5  # a word of the routed subtopic's vocabulary counts half a word of the question
MAX_VOCABULARY = 2
VOCABULARY_PASSAGES = 2  # a lab or the roadmap may come first; the note just after it names the subtopic
LEARNING_PATH_TYPES = frozenset({"before", "after", "next"})
CHAIN_BONUS = 0.5  # a sentence just after the symptom the learner described: its cause, check or fix
CHAIN_MATCH, CHAIN_LENGTH = 3, 5  # words a symptom shares with the story to match it; sentences after it that count
CHAIN_SHARE = 0.9  # a symptom matched about as well as the best one starts a chain too
ANALOGY_WEIGHT = 0.3  # a word of what the learner likens the wanted thing to, against one of the thing itself
RARITY_SHARE = 0.5  # how far a question word's weight follows its rarity among the candidate sentences
RARITY_FLOOR, RARITY_CEILING = 0.5, 1.6
RARITY_MIN_SENTENCES = 12
MEANING_CANDIDATES = 10  # a sentence this close in meaning is on the question even with no word in common


def passage_context(p: Passage) -> str:
    """What a reader of passage [n] sees: its title and section, then (after a blank line, so the heading is
    never read as the start of its first sentence) its text."""
    return f"{p.metadata.get('title', '')} — {p.metadata.get('section', '')}\n\n{p.text}"


def _join(titles: list[str]) -> str:
    return titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " and " + titles[-1]


def _best_passage_for(sentence: str, passages: list[Passage]) -> int | None:
    terms = set(content_terms(sentence))
    if not terms:
        return None
    scored = [(len(terms & set(content_terms(passage_context(p)))) / len(terms), i) for i, p in enumerate(passages)]
    score, index = max(scored, default=(0.0, 0))
    return index + 1 if score >= 0.6 else None


def graph_sentences(ctx: GraphContext, graph: RoadmapGraph) -> list[str]:
    """What the roadmap graph says about a before/after/next question, or about a gap, in plain sentences."""
    if ctx.gaps:
        gaps = [graph.title(t) for t in ctx.gaps]
        them = "it" if len(gaps) == 1 else "them"
        if ctx.target is None:  # "can I skip networking?": what builds on it
            order = graph.topics()
            later = [graph.title(t) for t in order if ctx.gaps[0] in graph.prerequisites(t)][:3]
            step = f"{gaps[0]} is step {order.index(ctx.gaps[0]) + 1} of {len(order)} in the learning sequence"
            return [f"{step}, and {_join(later)} build on it, so learn it first." if later else f"{step}."]
        # the sequence's passage holds this sentence's every word (the checker keeps the citation where it belongs)
        return [f"{_join(gaps)} {'comes' if len(gaps) == 1 else 'come'} before {graph.title(ctx.target)} in the "
                f"learning sequence, so learn {them} first."]
    if ctx.intent == "before" and ctx.path:
        topic, before = ctx.path[-1], ctx.path[:-1]
        if not before:
            return [f"{graph.title(topic)} is the first topic of the learning sequence."]
        return [f"Before {graph.title(topic)}, learn {_join([graph.title(t) for t in before])}, in that order."]
    if ctx.intent == "after" and ctx.focus:
        if ctx.target is None:
            return [f"{graph.title(ctx.focus)} is the last step of the learning sequence."]
        if graph.kind(ctx.target) == "tier":
            return [f"Next comes {graph.title(ctx.target)}."]
        return [f"After {graph.title(ctx.focus)} comes {graph.title(ctx.target)}."]
    if ctx.intent == "next" and ctx.focus and ctx.path and ctx.path[-1] == ctx.focus and len(ctx.path) > 1:
        steps = [graph.title(t) for t in ctx.path]
        return [f"To reach {steps[-1]} from what you know, learn {_join(steps[:-1])}, then {steps[-1]}."]
    if ctx.intent == "next" and ctx.target:
        ahead = [graph.title(t) for t in ctx.path]
        if 1 < len(ahead) <= 5 and ahead[0] == graph.title(ctx.target):
            return [f"Next in the learning sequence: {ahead[0]}; after it, {_join(ahead[1:])}."]
        return [f"Next in the learning sequence: {graph.title(ctx.target)}."]
    return []


# Sections of a note that answer a question of each type (the notes' headings: "What it is", "How to do it",
# "Worked example", "Common failure and fix", "Practise", "X vs Y").
TYPE_SECTIONS = {
    "howto": ("how to", "worked example", "example", "command"),
    "troubleshoot": ("failure", "fix", "debug", "troubleshoot", "error", "how to"),
    "practice": ("practise", "practice", "exercise", "worked example", "lab"),
    "simplify": ("what it is",),
    "explain": ("what it is", "why"),
    "compare": (" vs ", "versus", "difference", "what it is", "confusion"),
}
SPECIFIC_TYPES = frozenset({"howto", "troubleshoot", "compare", "practice", "simplify"})
COMMAND_TYPES = frozenset({"howto", "troubleshoot", "practice"})
# where a topic sits in the roadmap: an overview's opening, no help with a task, a symptom or a comparison
_ABOUT_THE_ROADMAP = re.compile(r"\b(?:topic|step) (?:in|of) the (?:roadmap's )?(?:final )?learning sequence\b|"
                                r"^The roadmap's thesis is\b", re.I)
# "The symptom is ..." restates the learner's problem; the sentences after it explain and fix it
_SYMPTOM_LEAD = r"^(?:The|A|An|One|Another) (?:\w+ )?symptom (?:is|looks like)\b"
_STATES_SYMPTOM = re.compile(_SYMPTOM_LEAD, re.I)
_RESTATES = re.compile(_SYMPTOM_LEAD + r"(?!.*\b(?:means?|because|caused|fix)\b)", re.I)
_DIGITS = re.compile(r"\d+")
_QUOTED = re.compile(r"`([^`]+)`|\u201c([^\u201d]+)\u201d|\"([^\"]+)\"")
_ABOUT_LEARNERS = re.compile(r"(?:learners|people|users) (?:often )?(?:ask|describe|phrase|say|call)\b", re.I)
_EXERCISE = re.compile(r"(?:exercise|solution|practise|practice|try it)\s*:", re.I)
_SOLUTION = re.compile(r"solution\s*:", re.I)
_TASK = re.compile(r"(?:exercise|practise|practice|try it|task)\s*:", re.I)  # the exercise itself, not its solution
_PRACTICE_TERMS = frozenset(content_terms("exercise exercises practice practise task tasks lab drill hands-on "
                                           "problem challenge give small little"))
TASK_BONUS = 1.0  # "give me an exercise on joins" is answered by the exercise, before the examples around it
OWN_DOCS_BONUS = 0.5  # "what happens in this tutor if ..." is answered by the tutor's own files first
# how a passage corrects a claim: a negation or a contrast ("not", "rather than", "still", "while")
_CORRECTS = re.compile(r"\b(?:not|never|cannot|no longer|rather than|instead of|still|only|but|while|whereas|although|"
                       r"however|without)\b|n't\b", re.I)
_REPORTING = set(content_terms("the roadmap states says explains notes"))  # who says it, not what is said
# "X is not Y", "X and Y do different jobs": a sentence that sets two things apart
_DENIES_SAMENESS = re.compile(r"\b(?:is not|isn't|are not|aren't|does not|doesn't|not just|not only|not the same|"
                              r"not a|not an|different|differ|unlike)\b", re.I)
_SAMENESS = re.compile(r"\bthe same\b|\bidentical\b|\bequivalent\b|\binterchangeabl[ey]\b", re.I)
CLAIM_BONUS = 0.4
ALREADY_SAID = 0.8  # share of a sentence's words the chosen sentences hold between them, above which it repeats
PLAIN_BONUS = 1.0
# a sentence on the case without something ("exit code 137 without `OOMKilled`") where the learner saw just that
_WITHOUT = re.compile(r"\bwithout\s+(?:an?\s+|the\s+|any\s+)?`?(?P<what>[\w.-]+)", re.I)
OTHER_CASE_PENALTY = 0.5


def _rules_out_what_was_seen(sentence: str, question: str, question_terms: set[str]) -> bool:
    """The sentence is about the case without something the learner reported (``question_terms`` has it, and not
    as what they are without: "training without a GPU is slow" is that case)."""
    lacking = {t for m in _WITHOUT.finditer(question) for t in content_terms(m["what"])}
    return any(set(content_terms(m["what"])) & (question_terms - lacking) for m in _WITHOUT.finditer(sentence))


_CAUSE_OR_FIX = re.compile(r"\b(?:cause[sd]?|because|fix(?:es|ed)?|check|confirm|means|usually|solution|run)\b",
                           re.I)
_WHY = re.compile(r"\bwhy\b|\bwhat(?:'s| is) the point\b|\bwhat for\b", re.I)
_REASON = re.compile(r"\b(?:because|so that|so (?:the|a|an|it|you|that|every|no)|which (?:means|makes|keeps|lets)|"
                     r"in order to|otherwise|prevents?|avoids?|keeps?|lets?)\b", re.I)
_NOT_THE_THING = frozenset(content_terms("mean means meaning exactly actually really difference"))
_WHY_HEADING = re.compile(r"(?:^|> )why\b")  # a section on why, by its (lower-cased) title
REASON_BONUS = 0.3  # measured: 0.6 no better on learner cases
_FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```", re.M | re.S)
_OUTPUT_BLOCKS = frozenset({"", "text", "output", "log"})  # what a command printed, not what to type
_MARKER = re.compile(r"\[\d{1,3}\]")  # `argv[0]` quoted in an answer would read as a citation of passage 0
_META = frozenset(words("command commands line lines way ways run runs use uses get gets make makes do does "
                         "create creates set sets up terminal shell script"))
_META_TERMS = frozenset(content_terms(" ".join(_META)))  # the same words stemmed
# comments, the tail of a line cut in the middle, and a unit file's label (prose, not something to type)
_NOT_A_START = ("#", "--", "//", "/ ", ")", "}", "]", "Description=")
_CONTINUED = ("\\", ",", "(", "{", "[", "|", "&&")
_SQL_COMMENT = re.compile(r"\s+--\s.*$")
MAX_STATEMENT = 200  # a SQL statement up to this long is quoted whole; longer ones by their lines
MAX_LINE = 100
_BARE_KEY = re.compile(r"-?\s*[\w.-]+:")  # "repos:", "spec:": a heading of the lines below it, not something to type
MAX_COMMAND_RANK = 3  # the command comes from the passages that answer, not from the tail of the list
MIN_COMMAND_SCORE = 1.5
# what a command line means counts beside its words: 3 points per unit of cosine above an unrelated line's level
COMMAND_MEANING_WEIGHT = 3.0
COMMAND_MEANING_FLOOR = 0.2
SAME_MEANING = 0.1  # two lines this close in cosine, with the same words of the question, are shown together
_COMMENT = re.compile(r"\s{2,}#.*$")  # "git status      # lists conflicted files"
_PROMPT = re.compile(r"^(?:\$|#|>|sql>|mysql>|postgres=#)\s+")
_TYPED = re.compile(r"^(?:\$|sql>|mysql>|postgres=#)\s+")  # a prompt that is not also a comment's "#"
_CODE_SPAN = re.compile(r"`([^`]+)`")


def _already_ran(line: str, question: str) -> bool:
    """The learner says they ran this command ("df -h shows / at 100%, what ate 40gb?", "i tried docker system
    prune"): it is what they know, not the answer. The whole line, without `sudo`, in the question, told as run or
    as printing something ("which python is my project using?" asks for `which python`)."""
    typed = " ".join(line.removeprefix("sudo ").split()).lower()
    program, *rest = typed.split("|")[0].split() or [""]  # `du -xh / | sort -h` is the `du` the learner ran
    # `df -h /` is the `df` the learner ran ("df still shows the disk 100% full"): the program with options and
    # paths only
    forms = [typed] if len(typed) > 4 else []
    if rest and len(program) > 1 and all(arg.startswith(("-", "/", ".", "~")) for arg in rest):
        forms.append(program)
    return any(re.search(
        rf"\b(?:ran|run|tried|typed|did|after|running)\s+(?:`|'|\")?{re.escape(form)}(?![\w-])|"
        rf"(?<![\w-]){re.escape(form)}(?:`|'|\")?\s+(?:still\s+|also\s+|just\s+|now\s+)?(?:shows?|showed|says?|said|"
        rf"prints?|printed|returns?|returned|gives?|gave|reports?|reported|lists?|listed|outputs?)\b",
        " ".join(question.lower().split())) for form in forms)


def _balanced(line: str) -> bool:
    """A whole line of code closes what it opens; `timeout=10)` is the tail of a call cut over several lines."""
    return all(line.count(a) == line.count(b) for a, b in ("()", "[]", "{}"))


def command_line(question: str, passages: list[Passage], sanitize: bool = True, max_lines: int = 2,
                 routed: frozenset[str] = frozenset(),
                 similarity: Callable[[list[str]], list[float]] | None = None,
                 max_rank: int = MAX_COMMAND_RANK, also: int | None = None) -> tuple[str, int] | None:
    """The command or snippet line(s) of the passages' code blocks that best fit the question, as one sentence
    of inline code with its passage number: a how-to question is answered by the command first.

    A line scores by the question's words in it (not "command", "run", "line": every line is one), from the
    first passages (and the one at place ``also``: the passage of the best sentence); typed lines only,
    never a command's printed output or a line cut in the middle.
    ``similarity(texts)``, when given, adds what the line means: the line with its comment and the sentences
    naming it, against the question ("which IP does this name point to?" is `getent hosts`, which shares no
    word with it)."""
    # "a shell" is what is wanted ("get a shell inside a pod"); "in the shell" is only where to type
    meta = _META - set(content_terms("shell")) if re.search(r"\ba shell\b", question, re.I) else _META
    # by the words as written: "run" is every command's verb, "a running pod" says which pod
    question_terms = set(content_terms(question, drop=meta)) - analogy_terms(question)
    blocks: list[tuple[int, Passage, list[str], list[float], list[str], str]] = []
    for rank, passage in enumerate(passages):
        if rank >= max_rank and rank != also:
            continue
        prose = [s for s in passage_sentences(_FENCE.sub(" ", passage.text)) if "`" in s]
        for language, block in _FENCE.findall(passage.text):
            raw = [line.strip() for line in block.splitlines()]
            if language.lower() in _OUTPUT_BLOCKS:
                continue
            # typed lines start with a prompt; the rest is their output ("$ which python" then its answer)
            if language.lower() == "console" or any(_TYPED.match(line) for line in raw):
                raw = [line for line in raw if _PROMPT.match(line)]
            else:  # "# " is a root prompt only in a terminal transcript; in a script or a Dockerfile, a comment
                raw = [line for line in raw if not line.startswith("#")]
            if language.lower() == "sql":
                raw = _statements(raw)
            # each typed line with its trailing comment ("git status      # lists conflicted files")
            pairs = [(_COMMENT.sub("", _PROMPT.sub("", line)).strip(), "".join(_COMMENT.findall(line)))
                     for line in raw]
            pairs = [(line, note) for line, note in pairs
                     if 3 < len(line) <= (MAX_STATEMENT if language.lower() == "sql" else MAX_LINE)
                     and not line.startswith(_NOT_A_START)
                     and not line.endswith(_CONTINUED) and "`" not in line and not _MARKER.search(line)
                     and _balanced(line) and not (sanitize and injected(line)) and not _BARE_KEY.fullmatch(line)
                     and not _already_ran(line, question)]
            if not pairs:
                continue
            fit = [_command_fit(question_terms, line, note, prose) for line, note in pairs]
            described = [" ".join([line, note.lstrip(" #"), *[s for s in prose if _names(s, line.split())][:2]])
                         for line, note in pairs]
            blocks.append((rank, passage, [line for line, _ in pairs], fit, described, language.lower()))
    meant: dict[str, float] = {}
    if similarity is not None and blocks:
        texts = list(dict.fromkeys(d for *_, described, _ in blocks for d in described))
        meant = dict(zip(texts, similarity(texts), strict=True))
    best: tuple[float, list[str], int, str] | None = None
    clears = False  # whether any line fits the question's words well enough to show at all (meaning only ranks)
    for rank, passage, lines, fit, described, language in blocks:
        # the steps of the note the question was routed to count more than a neighbour's example
        section = str(passage.metadata.get("section", "")).lower()
        place = 0.5 / (rank + 1) + (0.25 if "how to" in section else 0) \
            + (0.25 if str(passage.metadata.get("doc_id", "")) in routed else 0)
        close = [meant.get(d, 0.0) for d in described]
        clears = clears or max(fit) + place >= MIN_COMMAND_SCORE
        score = [f + COMMAND_MEANING_WEIGHT * max(0.0, c - COMMAND_MEANING_FLOOR)
                 for f, c in zip(fit, close, strict=True)]
        # meaning ranks the lines that share something with the question; it does not put a line that shares
        # nothing (`WORKDIR /app` for "build an image and give it a name") in front of them
        scored = sorted(((s, i) for i, s in enumerate(score) if s > 0 and fit[i] > 0), key=lambda x: (-x[0], x[1]))
        if not scored:
            continue
        # a second line only when it has as many of the question's words as the first and is close in meaning
        first = scored[0][1]
        top = sorted(i for s, i in scored[:max_lines]
                     if fit[i] == fit[first] and s >= scored[0][0] - COMMAND_MEANING_WEIGHT * SAME_MEANING)
        if len(top) == 1 and max_lines > 1 and _TWO_STEPS.search(question):
            # "make a venv and install the requirements": the step that does what the first line does not
            said = question_terms & _spelled_out(set(content_terms(lines[first])))
            new = [(len((question_terms & _spelled_out(set(content_terms(lines[i])))) - said), -i) for i in
                   range(len(lines)) if i != first and fit[i] >= 1]
            gain, step = max(new, default=(0, 0))
            if gain:
                top = sorted([first, -step])
        if best is None or scored[0][0] + place > best[0]:
            best = (scored[0][0] + place, list(dict.fromkeys(lines[i] for i in top)), rank + 1, language)  # once each
    if best is None or not clears:
        return None
    where = _WRITTEN_IN.get(best[3])
    lead = f"For example, {where}: " if where else EXAMPLE_LEAD
    return lead + "; ".join(f"`{line}`" for line in best[1]) + ".", best[2]


EXAMPLE_LEAD = "For example: "  # how a how-to's command line is introduced
# a line that is neither typed at a shell nor plainly code says where it goes ("0 2 * * * /opt/jobs/cleanup.sh"
# names no program); SQL, Python and YAML lines show what they are
_WRITTEN_IN = {"cron": "a crontab line", "crontab": "a crontab line", "dockerfile": "in a Dockerfile",
               "promql": "in PromQL", "nginx": "in the nginx configuration", "powershell": "in PowerShell",
               "hcl": "in Terraform (HCL)", "toml": "in TOML", "ini": "in the configuration file"}
_AN_EXAMPLE = re.compile(r"^For example(?:, [^:`]+)?: ")  # the command sentence, whatever it says it is written in
MAX_BLOCK_LINES = 25  # a quoted snippet: a manifest or a Dockerfile, not a whole program
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
# the word a learner uses for the kind of code they want, and the fence languages that hold it
_LANGUAGE_OF = {"manifest": ("yaml", "yml"), "yml": ("yaml",), "query": ("sql",), "script": ("bash", "sh", "python"),
                "crontab": ("cron",), "workflow": ("yaml",), "compose": ("yaml",)}


def code_block(question: str, texts: list[str], sanitize: bool = True) -> tuple[str, str, int] | None:
    """The fenced block of the passages (``texts``, in rank order) that best fits a question asking for code:
    (language, the block's lines, passage number), or None when no block shares a word with the question.

    A one-line command answers "how do I …"; "show me the yaml for both probes" wants the manifest, whole and
    as written, which a sentence of inline code cannot hold. ``question`` may carry the conversation's subject
    ("… (a liveness probe)"). A camelCase key counts as its words (``livenessProbe`` is a liveness probe), and a
    block in the language asked for ("the yaml") fits better."""
    terms = set(content_terms(question, drop=_META))
    asked = set(words(question))
    best: tuple[float, str, str, int] | None = None
    for rank, text in enumerate(texts):
        for language, block in _FENCE.findall(text):
            lines = block.strip("\n").splitlines()
            if language.lower() in _OUTPUT_BLOCKS or not lines or len(lines) > MAX_BLOCK_LINES \
                    or (sanitize and injected(block)) or _MARKER.search(block):
                continue
            fit = len(terms & _spelled_out(set(content_terms(_CAMEL.sub(" ", block)))))
            if language.lower() in asked or any(language.lower() in _LANGUAGE_OF.get(w, ()) for w in asked):
                fit += 1
            if fit and (best is None or fit + 0.5 / (rank + 1) > best[0]):
                best = (fit + 0.5 / (rank + 1), language.lower(), "\n".join(lines), rank + 1)
    return best[1:] if best else None


def without_quoted_example(sentences: list[str], block: str) -> list[str]:
    """The answer's sentences without the "For example: `line`" one when every line it quotes is in ``block``,
    which the answer quotes whole (one sentence at least is kept)."""
    lines = {line.strip() for line in block.splitlines()}
    kept = [s for s in sentences if not (_AN_EXAMPLE.match(s) and
                                         all(span.strip() in lines for span in _CODE_SPAN.findall(s)))]
    return kept or sentences


def _statements(lines: list[str]) -> list[str]:
    """SQL lines with each statement that fits on one line joined into it: "SELECT model, COUNT(*) ... GROUP BY
    model;" answers "count per model", while its lines alone are fragments ("SELECT model," "GROUP BY model")."""
    out: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.startswith("--"):
            continue  # a comment line inside or between statements
        current.append(" ".join(_SQL_COMMENT.sub("", line).split()))
        if line.rstrip().endswith(";"):
            joined = " ".join(part for part in current if part)
            out.extend([joined] if len(joined) <= MAX_STATEMENT else current)
            current = []
    return out + current


# what a learner calls the short names code uses: "the average per version" is `AVG(...)`, "delete" is `rm`
_SPELLED_OUT = {short: frozenset(content_terms(long)) for short, long in {
    "avg": "average mean", "max": "maximum largest highest", "min": "minimum smallest lowest", "sum": "total",
    "cnt": "count", "num": "number", "rm": "remove delete", "rmdir": "remove delete directory folder",
    "cp": "copy", "mv": "move rename", "ls": "list", "mkdir": "make create directory folder",
    "pwd": "current directory folder", "cd": "change directory folder", "chmod": "permission executable",
    "chown": "owner ownership", "df": "disk space free", "du": "disk space usage size", "ps": "process",
    "venv": "virtual environment env", "env": "environment", "dir": "directory folder", "repo": "repository",
    "db": "database", "config": "configuration settings", "pkg": "package", "ns": "namespace",
    "svc": "service", "deploy": "deployment", "cm": "configmap", "python3": "python", "pip3": "pip",
    "logs": "output log", "journalctl": "logs log output", "printenv": "environment variables",
    "undo": "back previous revert rollback", "rollback": "back previous revert undo", "k8s": "kubernetes",
    "mem": "memory ram", "htop": "process processes cpu memory", "top": "process processes cpu memory",
}.items()}


def _spelled_out(terms: set[str]) -> set[str]:
    """Code's terms with the words their short names stand for (`AVG` is also "average")."""
    return terms.union(*(_SPELLED_OUT.get(term, ()) for term in terms))


_TWO_STEPS = re.compile(r"\b(?:\w+)\b[^?.!]{2,60}\b(?:and (?:then )?|then )(?:also )?(?:install|run|push|start|"
                        r"deploy|commit|build|tag|apply|activate|create|add|open|copy|set|check|test|enable|expose)\b",
                        re.I)


def _command_fit(question_terms: set[str], line: str, note: str, prose: list[str]) -> float:
    """How well a code line fits the question: the question's words in the line, and at half weight the ones in
    what the note says about it (its trailing comment, and the sentences naming the command in backticks): "what
    IP does a hostname resolve to?" is answered by `getent hosts`, which the prose says "resolves a name".
    A short name counts as the words it stands for (`AVG` is an average, `rm` deletes)."""
    own = _spelled_out(set(content_terms(line)))
    said = set(content_terms(note)).union(*(content_terms(s) for s in prose if _names(s, line.split())))
    return len(question_terms & own) + 0.5 * len((question_terms & said) - own)


def _names(sentence: str, words: list[str]) -> bool:
    """Whether ``sentence`` names the command ``words`` in backticks: its program and subcommand ("`kubectl
    scale`"), its subcommand alone ("`exec -it ... -- sh`") or a program run without one ("`dig`")."""
    for span in _CODE_SPAN.findall(sentence):
        said = span.split()
        if not said or not words:
            continue
        if said[:2] == words[:2] or (len(words) > 1 and said[0] == words[1] and said[0][:1].isalpha()) \
                or (said == words[:1] and (len(words) == 1 or not words[1][:1].isalpha())):
            return True
    return False


_SUBJECT = re.compile(r"^(?:an?|the)?\s*(?P<subject>[^,;:.]{1,40}?)\s+(?:is|are)\s+(?:an?|the)\b")


def _defines(sentence: str, side: set[str], topic_words: frozenset[str] = frozenset()) -> bool:
    """Whether ``sentence`` says what the side is: its subject, before "is a"/"are the", is the side, perhaps
    with its topic's name ("A Docker image is a read-only ..." for "image")."""
    match = _SUBJECT.match(sentence.replace("`", ""))
    subject = set(content_terms(match["subject"])) if match else set()
    return bool(subject) and side <= subject and subject - side <= topic_words


# a sentence that says what its subject is: "A pod is the smallest unit ...", "Drift is any change ...", or gives
# the subject's full name ("DNS (Domain Name System) translates names ...")
_DEFINING = re.compile(r"^(?i:an?\s+|the\s+)?(?P<subject>[^,;:.()]{1,40}?)\s+(?:(?:is|are)\s+(?:(?i:an?|the|any|one|"
                       r"when|how|what)\b|[A-Z])|\([^)]{2,60}\)\s+\w)")


def asked_to_define(question: str, graph: RoadmapGraph) -> list[set[str]]:
    """What a "what is X?" question asks about, as content terms, in the order to look for a sentence saying what
    it is: the words asked ({"rag"}), then the topic they name ({"llmop"} for "RAG", {"kubernet"} for "k8s")."""
    thing = asks_what_it_is(question)
    if thing is None:
        return []
    topic = graph.named_by(thing)
    rest, _ = graph.without_topic(thing)  # "a kubernetes service" is a service
    names = [set(content_terms(thing)) - _NOT_THE_THING, set(content_terms(rest)) - _NOT_THE_THING,
             set(content_terms(graph.title(topic))) if topic else set()]
    return [n for i, n in enumerate(names) if n and n not in names[:i]]


def says_what_it_is(sentence: str, thing: set[str], context: frozenset[str] = frozenset()) -> bool:
    """Whether ``sentence``'s subject is ``thing``. One word of the question's ``context`` may come before it:
    "A Kubernetes pod is ..." says what a pod in Kubernetes is, but neither what Kubernetes is nor, "Managed
    Kubernetes is ...", what Kubernetes is."""
    match = _DEFINING.match(sentence.replace("`", ""))
    subject = content_terms(match["subject"]) if match else []
    extra = set(subject) - thing
    return bool(thing and subject) and thing <= set(subject) and subject[-1] in thing \
        and (not extra or len(extra) == 1 and extra <= context)


def _glossary_entry(passages: list[Passage], name: set[str], sanitize: bool) -> tuple[str, int] | None:
    """The first sentence of a glossary's entry headed with ``name``, and its passage number: it says what the
    thing is, however it is worded ("A volume is storage created ...")."""
    for n, passage in enumerate(passages, start=1):
        if passage.metadata.get("kind") == GLOSSARY_KIND \
                and set(content_terms(str(passage.metadata.get("section", "")))) == name:
            first = next(iter(passage_sentences(passage.text)), "")
            if first and not (sanitize and injected(first)):
                return first, n
    return None


def compared_sides(question: str) -> list[set[str]]:
    """The things a comparison question sets side by side, as content terms ({"liveness"}, {"readiness"}): two,
    or three in a chain ("logs vs metrics vs traces"); a word every side shares ("probe") tells them apart nowhere."""
    return _distinct([set(content_terms(name)) for name in compared_names(question)])


def _distinct(named: list[set[str]]) -> list[set[str]]:
    """Each side's words without those every side shares; none when that leaves a side without words."""
    sides = list(named)
    if not sides:
        return []
    shared = set.intersection(*sides)
    sides = [side - shared or side for side in sides]
    return sides if all(sides) else []


def _echoes(sentence: str, question: str) -> bool:
    """The sentence only quotes what the learner pasted (an error message of 3+ words) and says nothing of what
    it means or how to fix it."""
    asked = _DIGITS.sub("#", " ".join(question.lower().split()))  # "0/3 nodes" pasted, "0/5 nodes" quoted
    quoted = [next(g for g in m.groups() if g) for m in _QUOTED.finditer(sentence)]
    return any(len(q.split()) >= 3 and _DIGITS.sub("#", " ".join(q.lower().split())) in asked for q in quoted) \
        and not _CAUSE_OR_FIX.search(_QUOTED.sub(" ", sentence))


def symptom_sentence(ctx: GraphContext, graph: RoadmapGraph, passages: list[Passage],
                     question: str = "") -> tuple[str, int] | None:
    """For a troubleshooting question that names a known symptom: which topic it belongs to, said only from a
    passage that names both the symptom and the topic (so the sentence is checkable), and cited to it; not when
    the learner named the topic already ("git pull says ...")."""
    if ctx.intent != "troubleshoot" or not ctx.symptoms:
        return None
    symptom, causes = ctx.symptoms[0]
    if any(re.search(rf"\b{re.escape(graph.title(c).lower())}\b", question.lower()) for c in causes):
        return None
    name = graph.title(symptom)
    said: list[tuple[float, int, str]] = []
    for n, passage in enumerate(passages, start=1):
        context = passage_context(passage)
        text = context.lower()
        named = [graph.title(c) for c in causes if graph.title(c).lower() in text]
        if name.lower() in text and named:
            sentence = f"\u201c{name}\u201d is a {_join(named)} problem."
            said.append((lexical_support(sentence, context), -n, sentence))
    if not said:
        return None
    # of the passages that name both, the one that best supports the sentence (the checker would re-point it)
    _, n, sentence = max(said)
    return sentence, -n


def compose_extractive(question: str, passages: list[Passage], ctx: GraphContext, graph: RoadmapGraph,
                       sanitize: bool = True, similarity: Callable[[list[str]], list[float]] | None = None
                       ) -> list[str]:
    """The answer as a list of sentences, each ending in its citation, shaped by the question's type: a how-to
    leads with the command, a comparison covers both sides, a symptom gives causes and fixes, a learning-path
    question the path from the graph.

    ``similarity(sentences)``: each sentence's embedding similarity to the question. A learner's words often
    differ from the passage's ("my changes" / "uncommitted work"); the similarity counts beside the shared words
    (and the composer still works, on words alone, without it)."""
    chosen: list[tuple[str, int]] = []
    if (symptom := symptom_sentence(ctx, graph, passages, question)) is not None:
        chosen.append(symptom)
    path_sentences = graph_sentences(ctx, graph)
    for sentence in path_sentences:
        n = _best_passage_for(sentence, passages)
        if n is not None:
            chosen.append((sentence, n))
    # An after/next question is about where it leads, not where it starts.
    focus_nodes = [ctx.target] if ctx.target else ([ctx.focus] if ctx.focus else [])
    if ctx.intent == "next" and ctx.path:
        focus_nodes = ctx.path[:3]
    if ctx.gaps:  # "do I really need the SQL part if all I want is LLMOps?" is about SQL
        focus_nodes = ctx.gaps[:3]
    question_terms = set(content_terms(question))
    focus_terms = set(content_terms(" ".join(graph.title(n) for n in focus_nodes))) - question_terms
    kind = ctx.intent
    wanted_sections = TYPE_SECTIONS.get(kind, ())
    # the names compared ({"liveness", "probe"}) find their glossary entries; what tells them apart ({"liveness"})
    # scores the sentences on each side
    compared = [set(content_terms(name)) for name in ctx.compared] if kind == "compare" else []
    sides = _distinct(compared)
    roadmap_first = kind not in SPECIFIC_TYPES
    subtopic_terms = {t for n in focus_nodes if graph.kind(n) == "topic"
                      for sub in graph.g.nodes[n].get("subtopics", []) for t in content_terms(sub)}
    kept: list[tuple[int, Passage, str, set[str]]] = []  # rank, passage, sentence, its content terms
    for rank, passage in enumerate(passages):
        roadmap = str(passage.metadata.get("doc_id", "")).startswith("roadmap-")
        for sentence in passage_sentences(passage.text):
            terms = content_terms(sentence)
            letters = sum(c.isalpha() or c == " " for c in sentence) / max(1, len(sentence))
            # The roadmap states facts tersely ("Git is non-negotiable."); elsewhere short lines are fragments.
            complete = sentence.endswith((".", "!", "?")) and len(sentence.split()) >= (3 if roadmap else 5)
            # a line that starts in lower case is a list item cut from its lead-in ("understanding lifecycle
            # discipline.")
            fragment = len(terms) < (2 if roadmap else 4) or letters < (0.7 if "`" in sentence else 0.8) \
                or not complete or sentence[:1].islower()
            if fragment or (sanitize and injected(sentence)) or sentence.startswith(("#", "*")) \
                    or _MARKER.search(sentence):
                continue  # fragments, command synopses and markup teach nothing on their own
            if _ABOUT_LEARNERS.match(sentence) or (kind != "practice" and _EXERCISE.match(sentence)) \
                    or (kind == "practice" and _SOLUTION.match(sentence)):
                # "Learners ask this as ..." helps retrieval, not the learner; exercises are for practice, and a
                # learner who asked for one is given the exercise, not its solution
                continue
            kept.append((rank, passage, sentence, _with_parts(sentence, terms)))
    # the documents the graph routed the question to (the note that lists it, or documents its subtopic or symptom)
    routed = routed_docs(ctx, graph)
    # A learner who describes a need without its name ("control who can run a file") is answered by the sentences
    # that give the name (`chmod`, permissions): the vocabulary of the subtopics the question was routed to counts,
    # capped, beside the learner's own words; so does that of the best passage on a subtopic.
    named = [m.node for m in ctx.nodes if graph.kind(m.node) == "subtopic"]
    subjects = [graph.subject_of(str(p.metadata.get("doc_id", ""))) for p in passages[:VOCABULARY_PASSAGES]]
    named += [s for s in subjects if s and graph.kind(s) == "subtopic"][:1]
    vocabulary = set() if kind in LEARNING_PATH_TYPES else set(content_terms(" ".join(
        t for node in dict.fromkeys(named) for t in graph.vocabulary(node))))
    vocabulary -= question_terms | focus_terms | _META_TERMS
    claim = kind in {"explain", "compare"} and states_a_claim(question)  # answered by the sentence correcting it
    asks_why = kind == "explain" and bool(_WHY.search(question))
    names = asked_to_define(question, graph) if kind in DEFINING_TYPES else []
    weight = _rarity_weights(question_terms, [terms for *_, terms in kept])
    for term in analogy_terms(question) & question_terms:
        weight[term] *= ANALOGY_WEIGHT  # "a shell inside a pod, like ssh into it": the pod's shell is asked, not SSH
    follows = _follows_the_symptom(question_terms, kept, weight, similarity) if kind == "troubleshoot" else set()
    scored: list[tuple[float, str, int, float]] = []  # score on words, sentence, passage number, section bonus
    for rank, passage, sentence, unique in kept:
        doc_id = str(passage.metadata.get("doc_id", ""))
        roadmap = doc_id.startswith("roadmap-")
        nodes = str(passage.metadata.get("nodes", ""))
        section = str(passage.metadata.get("section", "")).lower()
        on_focus = any(f",{n}," in nodes for n in focus_nodes)
        target_doc = ctx.target is not None and graph.title(ctx.target).lower() in section
        # an exercise or "what it is" section counts on the question's own topic, not on whatever else came back
        section_bonus = 0.35 if any(w in section for w in wanted_sections) and (on_focus or not focus_nodes) else 0.0
        # the learner's own words count fully; the topic's name only half; and what the sentence means
        overlap = (sum(weight[t] for t in question_terms & unique) + 0.5 * len(focus_terms & unique)
                   + VOCABULARY_WEIGHT * min(MAX_VOCABULARY, len(vocabulary & unique))) / (len(unique) ** 0.5)
        if roadmap_first:
            # The roadmap's own words about the topic come first; notes and references add detail.
            bonus = (0.6 if roadmap and on_focus else 0.25 if roadmap else 0) + (0.2 if on_focus else 0) \
                + (0.4 if target_doc else 0)
        else:
            # a task, a symptom or a comparison is answered by the specific passage, not the topic's summary
            bonus = (0.1 if on_focus else 0) + (0.3 if kind == "howto" and "`" in sentence else 0) \
                + (ROUTED_BONUS if doc_id in routed else 0)
        if sides:
            bonus += 0.3 * sum(bool(side & unique) for side in sides)
        if kind == "troubleshoot" and _CAUSE_OR_FIX.search(sentence) and "example" not in section:
            # a worked example explains its own output ("... because Chen has no orders"), not a learner's symptom
            bonus += 0.3
        if asks_why and _REASON.search(sentence):
            bonus += REASON_BONUS  # "why does it matter?" is answered by a sentence that gives a reason
        if asks_why and _WHY_HEADING.search(section):
            bonus += REASON_BONUS  # ... from the section that says why ("Why it matters for AI operations")
        if claim and _CORRECTS.search(sentence) and question_terms & unique:
            bonus += CLAIM_BONUS  # "AIOps does not replace the on-call engineer" answers "we can drop on-call"
        if kind in SPECIFIC_TYPES and _ABOUT_THE_ROADMAP.search(sentence):
            bonus -= 0.6
        if kind == "troubleshoot" and (_RESTATES.search(sentence) or _echoes(sentence, question)):
            bonus -= 1.0  # the learner pasted the error: what it means and how to fix it answer, not the error
        if kind == "troubleshoot" and _rules_out_what_was_seen(sentence, question, question_terms):
            bonus -= OTHER_CASE_PENALTY  # "137 without `OOMKilled`" is another case than the learner's OOMKilled
        if (rank, sentence) in follows:
            bonus += CHAIN_BONUS  # the cause, check and fix a note gives for the symptom the learner described
        if ctx.about_tutor and passage.metadata.get("kind") == PROJECT_KIND:
            bonus += OWN_DOCS_BONUS
        if kind == "practice" and (_TASK.match(sentence) or EXERCISES.search(section)) \
                and ((question_terms - _PRACTICE_TERMS) & unique or doc_id in routed
                     or doc_id in {f"note-{n}" for n in focus_nodes}):
            # the exercise itself, from a note's practice section or a lab: on the question's own words, or one of
            # the topic's exercises ("python" in "detect cpu spikes using python" does not ask for a list drill)
            bonus += TASK_BONUS
        if kind == "simplify" and PLAIN_WORDS.match(sentence) and on_focus:
            bonus += PLAIN_BONUS  # "explain it like I'm new": the topic's everyday analogy first
        if roadmap and on_focus and kind == "explain" and len(unique & subtopic_terms) >= 3:
            bonus += 0.3  # the roadmap's list of what a topic covers is its best one-line overview
        scored.append((overlap + 0.3 / (rank + 1) + bonus + (section_bonus if overlap > 0 else 0), sentence, rank + 1,
                       0.0 if overlap > 0 else section_bonus))
    # What a sentence means counts beside its words. Only the best candidates on words are embedded (~12 ms a
    # sentence here): the similarity moves a sentence by well under one point, so the tail cannot reach the
    # answer. A learning-path answer is the graph's path: "what comes after it?" means nothing to an embedding.
    meaning: dict[str, float] = {}
    if similarity is not None and scored and kind not in ("before", "after", "next"):
        top = list(dict.fromkeys(s for _, s, _, _ in sorted(scored, key=lambda c: -c[0])))[:MEANING_CANDIDATES]
        meaning = {s: max(0.0, v) for s, v in zip(top, similarity(top), strict=True)}
    candidates: list[tuple[float, str, int]] = []
    for score, sentence, n, pending in scored:
        close = meaning.get(sentence, 0.0)
        # a sentence on the question in meaning but not in words still earns its section's bonus
        candidates.append((score + MEANING_WEIGHT * close + (pending if close >= RELEVANT_MEANING else 0.0),
                           sentence, n))
    candidates.sort(key=lambda c: -c[0])
    if log.isEnabledFor(logging.DEBUG):  # why a sentence was or was not quoted: `tutor -vv ask` shows the ranking
        log.debug("intent %s; top sentences:\n%s", kind, "\n".join(f"  {score:.2f} [{n}] {sentence[:110]}"
                                                                   for score, sentence, n in candidates[:12]))

    def fits(sentence: str, n: int) -> bool:
        # one passage may hold 3 sides; the symptom's area, cited to a passage, takes none of its places
        if sum(1 for c in chosen if c[1] == n and c != symptom) >= max(MAX_PER_PASSAGE, len(sides)):
            return False
        seen = set(content_terms(sentence))
        said = [set(content_terms(s)) for s, _ in chosen]
        if any(len(seen & other) / max(1, len(seen)) > 0.7 for other in said):
            return False
        # nor what two chosen sentences already said between them ("the roadmap states that A and that B")
        told = seen - _REPORTING
        return len(said) < 2 or len(told & set().union(*said)) / max(1, len(told)) <= ALREADY_SAID

    # "what is a pod?" is answered first by the sentence saying what a pod is, then the topic's list; "explain
    # kubernetes like I'm five" by the topic's everyday analogy when there is one ("ELI5 cron": cron's note has none)
    if kind == "simplify" and any(PLAIN_WORDS.match(s) for _, s, _ in candidates[:3]):
        names = []
    for name in names:
        definition = _glossary_entry(passages, name, sanitize) or next(
            ((s, n) for _, s, n in candidates if says_what_it_is(s, name, frozenset(question_terms))
             and not _ABOUT_THE_ROADMAP.search(s) and fits(s, n)), None)
        if definition:
            chosen.append(definition)
            break
    # "isn't Kubernetes just Docker?", "are docker and kubernetes the same thing?": the sentence that tells them
    # apart, naming both
    if (claim or _SAMENESS.search(question)) and len(sides) > 1:
        correction = next(((s, n) for _, s, n in candidates if _DENIES_SAMENESS.search(s) and fits(s, n)
                           and sum(bool(side & set(content_terms(s))) for side in sides) >= 2), None)
        if correction:
            chosen.append(correction)
    for i, side in enumerate(sides):  # a comparison gives every side: the best sentence on each side alone first
        other = set().union(*(o for j, o in enumerate(sides) if j != i))
        # what the side is: its glossary entry ("A counter is ..."), or a sentence of the passages that says so
        # ("A container is a running instance of an image"), though it names the other side to say so; else the
        # best sentence on this side alone
        entry = _glossary_entry(passages, compared[i], sanitize)
        defining = [(s, n) for _, s, n in candidates if _defines(s, side, graph.topic_words) and fits(s, n)]
        best = (entry if entry and fits(*entry) else None) or next(iter(defining), None) or next(
            ((s, n) for _, s, n in candidates if side & (said := set(content_terms(s))) and not other & said
             and fits(s, n)), None)
        if best:
            chosen.append(best)
    asked_for_code = wants_code(question)  # asked for outright: from any passage, not only the first
    # which area a symptom belongs to ("“disk full” is a Linux problem") frames the answer; it takes no cause's place
    most = MAX_SENTENCES + (symptom is not None)
    if (kind in COMMAND_TYPES or asked_for_code) and len(chosen) < most:
        # the best sentence's passage too: "The `-t` flag of `docker build` names and tags the image" is in the
        # passage whose code block holds `docker build -t model-api:1.0 .`
        command = command_line(question, passages, sanitize, routed=frozenset(routed), similarity=similarity,
                               max_rank=len(passages) if asked_for_code else MAX_COMMAND_RANK,
                               also=candidates[0][2] - 1 if candidates else None)
        if command:
            chosen.insert(1 if chosen and path_sentences else 0, command)
    for _ in range(2):  # once more if the example turns out to repeat a chosen sentence: its place is free
        for score, sentence, n in candidates:
            if len(chosen) >= most or (chosen and score < MIN_SCORE):
                break
            if (sentence, n) in chosen or not fits(sentence, n):
                continue
            chosen.append((sentence, n))
        if len(kept_chosen := _without_repeated_example(chosen)) == len(chosen):
            break
        chosen = kept_chosen
    return [_cite(sentence, n) for sentence, n in chosen]


def _with_parts(sentence: str, terms: list[str]) -> set[str]:
    """A sentence's terms and the parts of the hyphenated words of its prose: "a per-second rate" answers
    "requests per second" (a name in code stays whole: `put-role-policy` does not "put" anything)."""
    prose = [w for w in words(_CODE_SPAN.sub(" ", sentence)) if "-" in w.strip("-")]
    return set(terms) | {stem(part) for w in prose for part in w.strip("-").split("-")
                         if len(part) > 1 and part not in STOPWORDS}


def _without_repeated_example(chosen: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The chosen sentences without the "For example: `line`" one when another chosen sentence quotes every line it
    does ("Check with `sudo dmesg -T | grep -i oom`, which shows ..." says it with its meaning)."""
    def quotes(sentence: str) -> set[str]:
        return {span.strip() for span in _CODE_SPAN.findall(sentence)}

    for i, (sentence, _) in enumerate(chosen):
        lines = quotes(sentence)
        if _AN_EXAMPLE.match(sentence) and lines and any(
                j != i and lines <= quotes(other) for j, (other, _) in enumerate(chosen)):
            return chosen[:i] + chosen[i + 1:]
    return chosen


def _follows_the_symptom(question_terms: set[str], kept: list[tuple[int, Passage, str, set[str]]],
                         weight: dict[str, float],
                         similarity: Callable[[list[str]], list[float]] | None = None) -> set[tuple[int, str]]:
    """The sentences that follow, in their passage, the symptom the learner's story matches best: a note's failures
    read "The symptom is X." then its cause, how to check it and the fix, which often share no word with the story
    ("I deleted the file with the key, so I'm fine?" is answered by "The fix is to rotate first ..."). A symptom
    matches when it holds CHAIN_MATCH of the question's words and is about as close to the story as the best
    symptom, on the rarer words for its length and, when ``similarity`` is given, in meaning ("pushed" and "file"
    are in a story of a leaked key and in the symptom of a file too large to push). The chain ends at the next
    symptom."""
    fit: dict[int, float] = {}  # index in ``kept`` of a symptom sentence, and how well the story matches it
    for i, (_, _, sentence, terms) in enumerate(kept):
        if _STATES_SYMPTOM.search(sentence):
            shared = question_terms & terms
            if len(shared) >= CHAIN_MATCH:
                fit[i] = sum(weight[t] for t in shared) / len(terms) ** 0.5
    if similarity is not None and len(fit) > 1:
        fit = {i: f * max(0.0, m) for (i, f), m in zip(fit.items(), similarity([kept[i][2] for i in fit]),
                                                          strict=True)}
    best = max(fit.values(), default=0.0)
    out: set[tuple[int, str]] = set()
    for i, score in fit.items():
        if score < CHAIN_SHARE * best:
            continue
        rank = kept[i][0]
        for later_rank, _, sentence, _ in kept[i + 1:i + 1 + CHAIN_LENGTH]:
            if later_rank != rank or _STATES_SYMPTOM.search(sentence):
                break
            out.add((rank, sentence))
    return out


# "…, like ssh into it", "like tail -f but for docker": what the learner compares the wanted thing with
_ANALOGY = re.compile(r"(?:,|\bjust|\bkind of|\bsort of|\bsomething)\s+like\s+(?!\d|a\s+\d|about\b|this\b|that\b)"
                      r"(?P<span>[^,.;:?!]+?)(?=\s+but\b|\s*[,.;:?!]|\s*$)|\bthe way\s+(?P<span2>[^,.;:?!]+?)\s+does\b",
                      re.I)


def analogy_terms(question: str) -> set[str]:
    """The words of what the learner likens the wanted thing to, and only there: "how do i get a shell inside a
    running pod, like ssh into it" asks for the pod's shell; `ssh` is the comparison."""
    spans = [m["span"] or m["span2"] or "" for m in _ANALOGY.finditer(question)]
    if not spans:
        return set()
    inside = set(content_terms(" ".join(spans)))
    outside = set(content_terms(_ANALOGY.sub(" ", question)))
    return inside - outside


def _rarity_weights(question_terms: set[str], sentences: list[set[str]]) -> dict[str, float]:
    """How much each of the question's words counts in a sentence: more when few of the candidate sentences hold
    it. "Shrink my docker image" retrieves passages full of "docker" and "image"; the word that says what the
    learner wants done is the rare one ("undo my last commit but keep the changes": "keep", not "commit"). The
    weights average 1 over the question's words the candidates hold, so a score keeps its scale, and stay
    between RARITY_FLOOR and RARITY_CEILING: a common word still counts."""
    n = len(sentences)
    if n < RARITY_MIN_SENTENCES:
        return dict.fromkeys(question_terms, 1.0)  # too few sentences to tell a rare word from a common one
    idf = {t: math.log(1 + (n - df + 0.5) / (df + 0.5))
           for t in question_terms if (df := sum(t in s for s in sentences))}
    if not idf:
        return dict.fromkeys(question_terms, 1.0)
    mean = sum(idf.values()) / len(idf)
    return {t: min(RARITY_CEILING, max(RARITY_FLOOR, (1 - RARITY_SHARE) + RARITY_SHARE * idf[t] / mean))
            if t in idf else 1.0 for t in question_terms}


def _cite(sentence: str, n: int) -> str:
    sentence = sentence.rstrip()
    if sentence[-1:] in ".!?":
        return f"{sentence[:-1]} [{n}]{sentence[-1]}"
    return f"{sentence} [{n}]."

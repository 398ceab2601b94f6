"""Generate the labeled groundedness set: corpus sentences paired with the chunk they come from,
kept as they are (supported) or perturbed so the chunk no longer supports them.

Deterministic (fixed seed, sorted inputs, the real chunker), so the file under evals/labeled/ can be
regenerated and reviewed:  python -m evals.labeled [--measure]

Supported kinds:   verbatim (the sentence as written), clause (its first clause only)
Unsupported kinds: swap (a roadmap entity replaced by one from another topic), negation (a claim
                   negated or a negation removed), number (a number changed or invented), invented
                   (a made-up product or person), other-topic (a sentence from another topic's chunk)
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path
from typing import Any

from app.core.text import content_terms, passage_sentences, words
from app.infra.settings import PROJECT_ROOT
from evals.groundedness import LABELED
from ingest.chunking import chunk_document
from ingest.frontmatter import parse_front_matter
from ingest.loaders import load_markdown

SEED = 20250501
PER_KIND = 40
INVENTED = ["Kubeflare", "DataRivet", "Zentrix Cloud", "OrbitML", "Quarkstack", "Velloria", "Dr. Anna Krell",
            "Professor Milan Oduya", "NimbusGrid", "Trellisoft"]
_NEGATABLE = re.compile(r"\b(is|are|can|should|must|will|does|do)\b(?! not\b)")
_NEGATED = re.compile(r"\b(is|are|can|should|must|will|does|do) not\b|\bcannot\b")


def corpus_chunks(corpus: Path) -> list[dict[str, Any]]:
    out = []
    for path in sorted((corpus / "notes").glob("*.md")) + sorted((corpus / "roadmap").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        doc = load_markdown(text, where=str(path), default_title=path.stem)
        meta, _ = parse_front_matter(text, str(path))
        nodes = list(meta.nodes) if meta else []
        for chunk in chunk_document(meta.id if meta else path.stem, doc, 200, 32):
            out.append({"id": chunk.id, "topic": nodes[0] if nodes else "", "text": chunk.text,
                        "passage": f"{doc.title} — {chunk.section}\n{chunk.text}"})
    return out


def entities(corpus: Path) -> dict[str, str]:
    """Entity name -> its topic, from the roadmap's front matter (titles, aliases, subtopics)."""
    out: dict[str, str] = {}
    for path in sorted((corpus / "roadmap").glob("*.md")):
        meta, _ = parse_front_matter(path.read_text(encoding="utf-8"), str(path))
        if meta and meta.topic:
            t = meta.topic
            for name in [t.title, *t.subtopics, *t.aliases]:
                if len(name) > 2:
                    out.setdefault(name, t.id)
    return out


def _candidate_sentences(chunks: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for chunk in chunks:
        for s in passage_sentences(chunk["text"]):
            if s.endswith(".") and len(content_terms(s)) >= 6 and "`" not in s and not s.startswith(("-", "#")):
                out.append((s, chunk))
    return out


def _swap(sentence: str, topic: str, ents: dict[str, str], passage: str, rng: random.Random) -> str | None:
    present = [e for e in sorted(ents, key=len, reverse=True)
               if re.search(rf"\b{re.escape(e)}\b", sentence) and ents[e] == topic]
    if not present:
        return None
    seen = set(words(passage))
    options = [e for e in sorted(ents) if ents[e] != topic and not set(words(e)) & seen]
    old = present[0]
    return re.sub(rf"\b{re.escape(old)}\b", rng.choice(options), sentence, count=1) if options else None


def _negate(sentence: str) -> str | None:
    if _NEGATED.search(sentence):
        return _NEGATED.sub(lambda m: m.group(1) if m.group(1) else "can", sentence, count=1)
    if _NEGATABLE.search(sentence):
        return _NEGATABLE.sub(lambda m: f"{m.group(1)} not", sentence, count=1)
    return None


def _number(sentence: str, rng: random.Random) -> str:
    found = re.search(r"\b\d+\b", sentence)
    if found:
        new = str(int(found.group()) + rng.choice([3, 7, 12]))
        return sentence[:found.start()] + new + sentence[found.end():]
    n = rng.choice([3, 5, 12, 40, 90])
    return f"In about {n} percent of teams, {sentence[0].lower()}{sentence[1:]}"


def _invent(sentence: str, ents: dict[str, str], rng: random.Random) -> str:
    present = [e for e in sorted(ents, key=len, reverse=True) if re.search(rf"\b{re.escape(e)}\b", sentence)]
    name = rng.choice(INVENTED)
    if present:
        return re.sub(rf"\b{re.escape(present[0])}\b", name, sentence, count=1)
    return f"{sentence[:-1]}, as {name} showed."


def generate(corpus: Path = PROJECT_ROOT / "corpus") -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    chunks = corpus_chunks(corpus)
    ents = entities(corpus)
    pool = _candidate_sentences(chunks)
    rng.shuffle(pool)
    items: list[dict[str, Any]] = []

    def add(kind: str, sentence: str | None, chunk: dict[str, Any], supported: bool) -> bool:
        if not sentence or any(i["kind"] == kind and i["sentence"] == sentence for i in items):
            return False
        if sum(i["kind"] == kind for i in items) >= PER_KIND:
            return False
        items.append({"id": f"{kind}-{sum(i['kind'] == kind for i in items):03d}", "kind": kind,
                      "supported": supported, "sentence": sentence, "passage": chunk["passage"],
                      "chunk": chunk["id"]})
        return True

    for sentence, chunk in pool:
        add("verbatim", sentence, chunk, True)
        clause = re.split(r",|;| which | because ", sentence)[0].strip()
        if len(content_terms(clause)) >= 4 and clause != sentence:
            add("clause", clause.rstrip(".") + ".", chunk, True)
        add("swap", _swap(sentence, chunk["topic"], ents, chunk["passage"], rng), chunk, False)
        add("negation", _negate(sentence), chunk, False)
        add("number", _number(sentence, rng), chunk, False)
        add("invented", _invent(sentence, ents, rng), chunk, False)
        o_sentence, o_chunk = pool[rng.randrange(len(pool))]
        if o_chunk["topic"] and o_chunk["topic"] != chunk["topic"]:
            add("other-topic", o_sentence, chunk, False)
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measure", action="store_true", help="also report the detectors' precision/recall/AUROC")
    args = parser.parse_args()
    items = generate()
    LABELED.parent.mkdir(parents=True, exist_ok=True)
    LABELED.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    kinds = {k: sum(i["kind"] == k for i in items) for k in dict.fromkeys(i["kind"] for i in items)}
    print(f"wrote {len(items)} labeled sentences to {LABELED}: {kinds}")
    if args.measure:
        from app.infra.embed import shared_embedder
        from evals.groundedness import GroundednessDetector, measure

        embedder = shared_embedder("all-MiniLM-L6-v2")
        vocabulary = list(entities(PROJECT_ROOT / "corpus"))
        for det in (GroundednessDetector(), GroundednessDetector(embedder),
                    GroundednessDetector(embedder, vocabulary=vocabulary)):
            print(json.dumps(measure(det, items)))


if __name__ == "__main__":
    main()

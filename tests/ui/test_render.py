"""How one answer renders (fast: streamlit.testing on a made-up answer, no index)."""

from streamlit.testing.v1 import AppTest


def page(answer):
    from app.ui.render import render_answer

    render_answer(answer)


ANSWER = {
    "answer": "Run this [1]:\n\n```bash\nchmod +x deploy.sh\n```\n\nIt sets the execute bit [1].",
    "notices": [], "citations": [], "backend": "openai", "model": "scripted",
    "prompt": {"name": "answer", "version": 2},
    "unsupported_sentences": ["The moon orbits Saturn.", "Kubeflare runs every pod."],
    "usage": {"input_tokens": 10, "output_tokens": 5, "cost_usd": 0.0, "source": "tiktoken"},
    "latency_ms": {"total": 12.0}, "flags": [],
}


def test_a_code_block_renders_as_a_code_block_and_unsupported_sentences_get_one_note():
    at = AppTest.from_function(page, args=(ANSWER,)).run()
    assert not at.exception, at.exception
    assert "```bash\nchmod +x deploy.sh\n```" in at.markdown[0].value
    assert len(at.warning) == 1
    note = at.warning[0].value
    assert note.startswith("These 2 sentences are not supported") and "Saturn" in note and "Kubeflare" in note

"""How one answer renders (fast: streamlit.testing on a made-up answer, no index)."""

from streamlit.testing.v1 import AppTest


def page(answer):
    from app.ui.render import render_answer

    render_answer(answer)


ANSWER = {
    "answer": "Run this [1]:\n\n```bash\nchmod +x deploy.sh\n```\n\nIt sets the execute bit [1]. The moon orbits "
              "Saturn [1]. Kubeflare runs every pod.",
    "notices": [], "citations": [], "backend": "openai", "model": "scripted",
    "prompt": {"name": "answer", "version": 2},
    "unsupported_sentences": ["The moon orbits Saturn.", "Kubeflare runs every pod."],
    "unsupported_details": [
        {"sentence": "The moon orbits Saturn.", "cited": [1], "support": 0.12,
         "reason": "the cited source [1] does not say this (support 0.12, needs 0.60)"},
        {"sentence": "Kubeflare runs every pod.", "cited": [], "support": 0.0,
         "reason": "no retrieved source says this"}],
    "usage": {"input_tokens": 10, "output_tokens": 5, "cost_usd": 0.0, "source": "tiktoken"},
    "latency_ms": {"total": 12.0}, "flags": [],
}


def test_a_code_block_renders_as_a_code_block_and_unsupported_sentences_get_one_note():
    at = AppTest.from_function(page, args=(ANSWER,)).run()
    assert not at.exception, at.exception
    shown = at.markdown[0].value
    assert "```bash\nchmod +x deploy.sh\n```" in shown
    # each flagged sentence struck through where it stands, the supported ones untouched
    assert "~~The moon orbits Saturn [1].~~" in shown and "~~Kubeflare runs every pod.~~" in shown
    assert "It sets the execute bit [1]." in shown and "~~It sets" not in shown
    assert len(at.warning) == 1
    note = at.warning[0].value
    assert note.startswith("The 2 struck-through sentences are not supported")
    assert "does not say this (support 0.12" in note and "no retrieved source says this" in note

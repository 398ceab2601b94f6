import pytest
from conftest import run_tutor

from app.core.prompts import PromptRegistry, load_prompt_file
from app.errors import TutorError

VALID = """name: answer
version: 1
description: d
changelog: c
parameters: {temperature: 0.1, max_tokens: 100}
system: "Use only these passages: {passages}"
user: "{question}"
"""


def test_registry_resolves_versions_and_latest():
    reg = PromptRegistry()
    assert reg.versions("answer")[:2] == [1, 2]
    latest = reg.get("answer@latest")
    assert latest.spec.version == reg.versions("answer")[-1] == reg.get("answer").spec.version
    one = reg.get("answer@1")
    assert one.ref == "answer@1" and len(one.sha256) == 64 and one.sha256 != reg.get("answer@2").sha256
    with pytest.raises(TutorError, match="no version '99'"):
        reg.get("answer@99")
    with pytest.raises(TutorError, match="no prompt named 'nope'"):
        reg.get("nope@1")


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t + "colour: blue\n", "colour: unknown field"),
    (lambda t: t.replace("description: d\n", ""), "description: is required"),
    (lambda t: t.replace("version: 1", "version: zero"), "version: Input should be a valid integer"),
    (lambda t: t.replace("{passages}", ""), "never use {passages}"),
])
def test_invalid_prompt_files_name_the_file_and_field(tmp_path, change, message):
    folder = tmp_path / "answer"
    folder.mkdir()
    path = folder / "v1.yaml"
    path.write_text(change(VALID))
    with pytest.raises(TutorError) as info:
        load_prompt_file(path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_render_puts_passages_in_system_and_question_alone_in_user():
    messages = PromptRegistry().get("answer@2").render("What is {DNS}?", "[1] DNS maps names.", "")
    assert messages[0]["role"] == "system" and "[1] DNS maps names." in messages[0]["content"]
    assert messages[1] == {"role": "user", "content": "What is {DNS}?"}


def test_cli_prompts_list_show_diff():
    listing = run_tutor("prompts", "list").stdout
    assert "answer@1" in listing and "answer@2" in listing
    shown = run_tutor("prompts", "show", "answer@2").stdout
    assert "version: 2" in shown and "changelog:" in shown
    diff = run_tutor("prompts", "diff", "answer@1", "answer@2").stdout
    assert diff.startswith("--- answer@1\n+++ answer@2") and "-version: 1" in diff and "+version: 2" in diff


def test_prompts_ask_for_the_decline_the_checker_and_evaluators_recognise():
    """One vocabulary: the phrase a prompt asks a model to use when the passages lack the answer is the one the
    citation checker treats as no claim and the evaluators score as a decline; the tutor's own replies are
    recognised as a refusal or a decline."""
    from app.core.declines import (
        EXTRACTION_REPLY,
        HARM_REPLY,
        NOT_IN_CONTEXT,
        is_decline,
        is_refusal,
        makes_no_claim,
        out_of_scope_reply,
    )
    from app.core.prompts import PromptRegistry

    for prompt in PromptRegistry().all():
        if prompt.spec.name == "answer":
            assert NOT_IN_CONTEXT in prompt.spec.system, prompt.ref
    model_decline = "That is not in the provided context."
    assert is_decline(model_decline) and makes_no_claim(model_decline)
    assert is_refusal(HARM_REPLY) and is_refusal(EXTRACTION_REPLY) and is_decline(out_of_scope_reply("Docker"))
    assert not is_decline("Docker packages an app into an image.") and not is_refusal("Run docker build.")

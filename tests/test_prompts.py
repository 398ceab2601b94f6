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

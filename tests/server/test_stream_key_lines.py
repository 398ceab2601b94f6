"""`tutor serve` with a model backend: the key lines quoted after a model's answer reach a streaming client too.

A scripted OpenAI-compatible model answers with only the first evidence sentence it was sent; the served answer
is that sentence, then "From the sources:" with the evidence it left out, then the sources. Streamed, the model's
words come as they are written and the rest follows, so the streamed text equals the non-streamed message."""

from __future__ import annotations

import shutil

import pytest
from conftest import small_settings
from live import LiveServer
from scripted_openai import ScriptedEndpoint, first_evidence

from app.core.tutor import KEY_LINES_HEADING
from app.infra.settings import Settings
from app.server import create_app

pytestmark = pytest.mark.slow
QUESTION = "What should I learn before Kubernetes and why does Docker matter?"


def test_streamed_and_plain_answers_carry_the_key_lines(small_index_template, tmp_path):
    shutil.copytree(small_index_template / "data", tmp_path / "data")
    with ScriptedEndpoint(first_evidence) as model:
        settings = Settings(**{**small_settings(tmp_path).model_dump(), "rate_per_minute": 0,
                               "endpoints": {"script": {"base_url": model.base_url}},
                               "serve_models": ["openai:scripted@script"]})
        with LiveServer(create_app(settings, api_key="")) as live:
            live.wait_ready()
            messages = [{"role": "user", "content": QUESTION}]
            plain = live.client().chat.completions.create(model="openai:scripted@script", messages=messages)
            chunks = list(live.client().chat.completions.create(model="openai:scripted@script", messages=messages,
                                                                 stream=True))
    content = plain.choices[0].message.content
    tutor = plain.tutor
    assert tutor["backend"] == "openai" and tutor["key_lines"], tutor
    model_part, rest = content.split(f"\n\n{KEY_LINES_HEADING}\n", 1)
    assert model_part == first_evidence([{"content": model.requests[0]["messages"][-1]["content"]}])
    assert all(f"- {line}" in rest for line in tutor["key_lines"])
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == content

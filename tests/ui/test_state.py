"""The Streamlit app's process-wide resources, without a browser or an index (fast tier)."""

import threading

from fakes import ScriptedBackend

from app.ui import state


class Warmable(ScriptedBackend):
    def __init__(self) -> None:
        super().__init__()
        self.warmed = threading.Event()
        self.messages = None

    def warm(self, messages=None):
        self.messages = messages
        self.warmed.set()


def test_the_model_warms_while_the_index_loads_and_the_tutor_gets_that_backend(monkeypatch, tmp_path):
    """The warm-up starts before the Tutor is built (it needs no index), on the very backend the Tutor uses."""
    made, handed, order = [], {}, []

    def make_backend(spec, cfg):
        made.append(Warmable())
        return made[-1]

    def tutor(cfg, backends):
        order.append("tutor")
        handed.update(backends)
        return "the tutor"

    monkeypatch.setattr("app.infra.llm.make_backend", make_backend)
    monkeypatch.setattr("app.core.tutor.Tutor", tutor)
    monkeypatch.setenv("TUTOR_LLM", "local")
    assert state._tutor(str(tmp_path), "warm-test", "a") == "the tutor"
    assert made and made[0].warmed.wait(10)
    assert list(handed.values()) == made
    assert "What is Docker?" in str(made[0].messages)  # the prompt's fixed rules, rendered

    monkeypatch.setenv("TUTOR_LLM", "extractive")  # nothing to warm, nothing made
    made.clear()
    assert state._tutor(str(tmp_path), "warm-test", "b") == "the tutor" and made == [] and order == ["tutor"] * 2


def test_a_backend_that_cannot_be_made_does_not_stop_the_page(monkeypatch, tmp_path):
    from app.errors import TutorError

    def make_backend(spec, cfg):
        raise TutorError("no key for that endpoint")

    monkeypatch.setattr("app.infra.llm.make_backend", make_backend)
    monkeypatch.setattr("app.core.tutor.Tutor", lambda cfg, backends: backends)
    monkeypatch.setenv("TUTOR_LLM", "local")
    assert state._tutor(str(tmp_path), "warm-test", "c") == {}

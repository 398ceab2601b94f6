"""Backend specs, cost, the turn log and its migrations (fast)."""

import sqlite3

import pytest

from app.errors import TutorError
from app.infra.llm import BackendSpec, parse_spec
from app.infra.turnlog import TurnLog, connect, migrations, redact
from app.infra.usage import Usage, estimate_cost


@pytest.mark.parametrize(("spec", "expected"), [
    ("extractive", BackendSpec("extractive")),
    ("local", BackendSpec("local", "qwen2.5-coder-1.5b")),
    ("local:qwen2.5-coder-0.5b", BackendSpec("local", "qwen2.5-coder-0.5b")),
    ("local:/models/x.gguf", BackendSpec("local", "/models/x.gguf")),
    ("openai", BackendSpec("openai", "gpt-4o-mini")),
    ("openai:gpt-4o", BackendSpec("openai", "gpt-4o")),
    ("openai:qwen@http://127.0.0.1:8080/v1", BackendSpec("openai", "qwen", "http://127.0.0.1:8080/v1")),
    ("openai@http://127.0.0.1:8080/v1/", BackendSpec("openai", "gpt-4o-mini", "http://127.0.0.1:8080/v1")),
    ("openai:qwen@Lab", BackendSpec("openai", "qwen", endpoint="lab")),
])
def test_parse_spec(spec, expected):
    assert parse_spec(spec) == expected


@pytest.mark.parametrize("spec", ["gpt4", "openai:x@ftp://host", "extractive:fast", "openai:x@http://u:p@host/v1"])
def test_bad_specs_say_what_is_accepted(spec):
    with pytest.raises(TutorError, match="extractive|http|password"):
        parse_spec(spec)


def test_the_default_choices_are_offline_and_the_operator_extends_them(monkeypatch):
    from app.infra.llm import SERVED_MODEL, choices, credentials
    from app.infra.settings import Settings

    for name in ("TUTOR_SERVE_MODELS", "TUTOR_ENDPOINTS", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    default = choices(Settings(llm="local"))
    assert list(default) == [SERVED_MODEL, "local:qwen2.5-coder-1.5b", "extractive", "local:qwen2.5-coder-0.5b"]
    monkeypatch.setenv("TUTOR_ENDPOINTS", '{"lab": {"base_url": "http://127.0.0.1:9/v1", "api_key_env": "LAB_KEY"}}')
    monkeypatch.setenv("TUTOR_SERVE_MODELS", "extractive, openai:qwen@lab")
    monkeypatch.setenv("LAB_KEY", "lab-key-123")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-operator")
    settings = Settings(llm="extractive")
    assert list(choices(settings)) == [SERVED_MODEL, "extractive", "openai:qwen@lab"]
    lab = credentials(parse_spec("openai:qwen@lab"), settings)
    assert (lab.base_url, lab.api_key) == ("http://127.0.0.1:9/v1", "lab-key-123")
    assert credentials(parse_spec("openai:x@http://127.0.0.1:9/v1"), settings).api_key is None
    official = credentials(parse_spec("openai:gpt-4o"), settings)
    assert (official.base_url, official.api_key) == ("https://api.openai.com/v1", "sk-operator")


def test_cost_from_price_table():
    usage = estimate_cost("openai", "gpt-4o-mini-2024-07-18", Usage(1_000_000, 100_000))
    assert usage.priced and usage.cost_usd == pytest.approx(0.15 + 0.06)
    assert estimate_cost("local", "qwen2.5-coder-1.5b", Usage(5000, 500)).cost_usd == 0
    unknown = estimate_cost("openai", "mystery-model", Usage(10, 10))
    assert not unknown.priced and unknown.cost_usd == 0


def test_migrations_are_numbered_and_upgrade_an_old_log(tmp_path):
    numbers = [n for n, _ in migrations()]
    assert numbers == sorted(numbers) and numbers[0] == 1
    db = tmp_path / "usage.sqlite"
    old = sqlite3.connect(db)
    old.executescript(migrations()[0][1].read_text())
    old.execute("PRAGMA user_version = 1")
    old.close()
    conn = connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == numbers[-1]
    columns = {r[1] for r in conn.execute("PRAGMA table_info(turns)")}
    assert {"unsupported_sentences", "usage_source", "latency_ttft_ms", "prompt_sha256", "client"} <= columns


def test_turn_log_redacts_secrets(tmp_path):
    log = TurnLog(tmp_path / "usage.sqlite")
    log.append({"question": "my key is sk-abcdefghijklmnop1234 and Bearer abc.def.ghi123", "answer": "ok",
                "backend": "extractive", "usage": {}, "latency_ms": {}, "citations": []})
    row = log.rows()[0]
    assert "sk-abc" not in row["question"] and "abc.def" not in row["question"]
    assert row["question"].count("[redacted]") == 2
    assert redact("password=hunter2") == "[redacted]"


def test_turn_log_redacts_the_servers_own_keys_and_configured_secrets(tmp_path):
    """A learner pastes a `tutor keys` key, or the operator's TUTOR_API_KEY (no recognisable prefix)."""
    import secrets as random

    served_key = "tk-" + random.token_urlsafe(32)
    operator = "plainoperatorkey1234"
    log = TurnLog(tmp_path / "usage.sqlite", secrets=(operator,))
    log.append({"question": f"is {served_key} or {operator} my key?", "answer": f"never paste {operator}",
                "backend": "extractive", "usage": {}, "latency_ms": {}, "citations": []})
    row = log.rows()[0]
    assert served_key not in row["question"] and operator not in row["question"] + row["answer"]
    assert row["question"].count("[redacted]") == 2

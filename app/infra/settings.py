"""One settings object for the whole tutor, read from ``TUTOR_*`` environment variables."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
APP_NAME = "roadmap-tutor"
LEGACY_DATA_DIR = Path(".tutor")  # the data dir of versions before 0.2, relative to where they ran


def user_data_dir() -> Path:
    """The per-user data folder (~/.local/share/roadmap-tutor on Linux), like simonw/llm's user dir."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)
_ENDPOINT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def check_base_url(url: str) -> str:
    """An http(s) URL with a host and no user:password part (a credential in a URL ends up in logs)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"'{url}' is not an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise ValueError("a base URL must not carry a user or password; put the key in the endpoint's key variable")
    return url.rstrip("/")


class Endpoint(BaseModel):
    """An OpenAI-compatible endpoint the operator configured: its key goes to this base URL and nowhere else."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    base_url: str
    api_key_env: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
                                    description="The environment variable holding this endpoint's key.")

    @field_validator("base_url")
    @classmethod
    def _url(cls, v: str) -> str:
        return check_base_url(v)

    def api_key(self) -> str | None:
        return (os.environ.get(self.api_key_env) or None) if self.api_key_env else None


class Settings(BaseSettings):
    """Defaults run fully offline with the embedded Chroma and the packaged embedding model."""

    model_config = SettingsConfigDict(env_prefix="TUTOR_", extra="ignore")

    data_dir: Path = Field(default_factory=lambda: user_data_dir(),
                           description="Index, graph, manifest, usage log, model cache: one per user, wherever "
                                       "you run `tutor` from (TUTOR_DATA_DIR overrides it).")
    corpus_dir: Path = Field(PROJECT_ROOT / "corpus", description="Folder with roadmap/, notes/, sources.yaml.")
    chroma: str = Field("", description="A path for embedded Chroma, or http://host:port for a server. "
                                        "Empty means <data_dir>/chroma.")
    collection: str = Field("roadmap", min_length=3, description="Chroma collection name.")
    embedding_model: str = Field("all-MiniLM-L6-v2",
                                 description="'all-MiniLM-L6-v2' (packaged, offline) or a local model folder.")
    chunk_tokens: int = Field(200, ge=32, le=2000, description="Chunk size in tiktoken tokens.")
    chunk_overlap: int = Field(32, ge=0, le=500, description="Overlap between chunks in tokens.")
    max_file_mb: float = Field(20.0, gt=0, description="Files larger than this are skipped at ingest.")
    llm: str = Field("local", description="Answer backend: extractive | local[:name|path] | "
                                          "openai[:model][@base_url]. Default: the embedded model.")
    llm_timeout: float = Field(60.0, gt=0, description="Seconds to wait for an LLM endpoint before falling back.")
    llm_threads: int = Field(0, ge=0, description="llama.cpp threads; 0 means one per core.")
    llm_seed: int | None = Field(None, ge=0, description="llama.cpp sampling seed: set, the same prompt gets the same "
                                                       "answer (reproducible gates); unset, a new seed per answer.")
    llm_context: int = Field(4096, ge=512, description="llama.cpp context window in tokens.")
    models_dir: Path | None = Field(None, description="Where local GGUF models are assembled; default "
                                                      "<data_dir>/models.")
    strict: bool | None = Field(None, description="Remove the sentences of a model's answer that no retrieved "
                                                  "source supports, answering with the evidence when too little "
                                                  "is left. Unset: on for local models, off for others (their "
                                                  "unsupported sentences are shown struck through).")
    prompt: str = Field("answer@latest", description="Prompt name@version for answers.")
    top_k: int = Field(6, ge=1, le=20, description="Passages given to the answer.")
    context_tokens: int = Field(1200, ge=100, description="Token budget for passages (extractive and openai).")
    local_context_tokens: int = Field(450, ge=100, description="Token budget for passages with the local model "
                                                               "(prefill speed bounds time to first token).")
    evidence_tokens: int = Field(64, ge=20, description="Token budget for the evidence an evidence prompt "
                                                        "(answer@3) gives the model: the local 1.5B reads ~35 "
                                                        "tokens/s on 2 cores, so this bounds time to first token.")
    key_lines: int = Field(4, ge=0, le=6, description="After a model's answer, up to this many of the evidence "
                                                     "sentences it did not already say, quoted with their "
                                                     "citations under 'From the sources:' (0: none).")
    max_question_chars: int = Field(4000, ge=10, description="Longer questions are rejected with a message.")
    # --- which backends exist and who may pick them (see SECURITY.md) ---
    endpoints: dict[str, Endpoint] = Field(
        default_factory=dict,
        description='Named OpenAI-compatible endpoints, JSON: {"lab": {"base_url": "http://127.0.0.1:8080/v1", '
                    '"api_key_env": "LAB_API_KEY"}}; pick one with --llm openai:MODEL@lab. A key is only '
                    "ever sent to the base URL it is configured with.")
    serve_models: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["extractive", "local:qwen2.5-coder-1.5b", "local:qwen2.5-coder-0.5b"],
        description="Comma-separated backends API clients and the Streamlit app may pick, besides "
                    "'roadmap-tutor' (= TUTOR_LLM). No URLs: name an endpoint from TUTOR_ENDPOINTS instead.")
    ui_custom_backend: bool = Field(False, description="Show the Streamlit free-text backend field (local "
                                                       "single-user use only: it can point at any URL).")
    # --- `tutor serve` abuse limits ---
    api_keys_file: Path | None = Field(None, description="Named API keys (name:sha256 lines, written by "
                                                         "`tutor keys add`); default <data_dir>/api-keys. "
                                                         "Reloaded on change and on SIGHUP.")
    rate_per_minute: float = Field(60.0, ge=0, description="Requests per minute per API key (token bucket "
                                                           "refill); 0 turns the limit off.")
    rate_burst: int = Field(20, ge=1, description="Requests a key may send at once before the rate applies.")
    serve_workers: int = Field(4, ge=1, le=64, description="Answers computed at once.")
    serve_queue: int = Field(16, ge=0, description="Answers waiting for a worker; beyond it: 503 at once.")
    max_body_kb: int = Field(256, ge=4, description="Largest request body in KiB (413 above).")
    max_messages: int = Field(64, ge=1, description="Most messages in one chat request (400 above).")
    max_output_tokens: int = Field(512, ge=16, description="Cap on a request's max_tokens.")
    profile: str = Field("default", pattern=r"^[A-Za-z0-9_.-]{1,64}$",
                         description="The learner whose practice, mastery and reviews `tutor quiz`, `tutor progress` "
                                     "and the browser app use (each profile keeps its own).")
    database_url: str = Field("", description="postgresql://user:password@host:port/db keeps the turn log, "
                                              "feedback, lab results and learners' practice in PostgreSQL, shared "
                                              "by every `tutor serve` replica; empty: <data_dir>/usage.sqlite.")

    @field_validator("chunk_overlap")
    @classmethod
    def _overlap_below_size(cls, v: int, info: ValidationInfo) -> int:
        size = info.data.get("chunk_tokens", 200)
        if v >= size:
            raise ValueError(f"chunk_overlap ({v}) must be smaller than chunk_tokens ({size})")
        return v

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, v: str) -> str:
        if v and not v.startswith(("postgresql://", "postgres://")):
            raise ValueError("must be a postgresql:// URL (or empty for the SQLite file in the data dir)")
        return v

    @field_validator("serve_models", mode="before")
    @classmethod
    def _split_models(cls, v: object) -> object:
        if isinstance(v, str):
            return [part.strip() for part in v.split(",") if part.strip()]
        return v

    @field_validator("endpoints")
    @classmethod
    def _endpoint_names(cls, v: dict[str, Endpoint]) -> dict[str, Endpoint]:
        for name in v:
            if not _ENDPOINT_NAME.match(name):
                raise ValueError(f"endpoint name '{name}' must be lowercase letters, digits, - or _")
        return v

    def secrets(self) -> tuple[str, ...]:
        """Every credential this process may hold, so the logs can scrub them."""
        names = ["TUTOR_API_KEY", "OPENAI_API_KEY", *(e.api_key_env for e in self.endpoints.values() if e.api_key_env)]
        database_password = urlsplit(self.database_url).password if self.database_url else None
        return tuple(v for v in (*(os.environ.get(n, "") for n in names), database_password or "") if v)

    @property
    def api_keys_path(self) -> Path:
        return self.api_keys_file or self.data_dir / "api-keys"

    @property
    def chroma_location(self) -> str:
        return self.chroma or str(self.data_dir / "chroma")

    @property
    def chroma_is_remote(self) -> bool:
        return self.chroma_location.startswith(("http://", "https://"))

    @property
    def manifest_path(self) -> Path:
        return self.data_dir / "manifest.json"

    @property
    def graph_path(self) -> Path:
        return self.data_dir / "graph.json"

    @property
    def asks_path(self) -> Path:
        return self.data_dir / "asks"

    @property
    def models_path(self) -> Path:
        return self.models_dir or self.data_dir / "models"

    @property
    def turn_log_path(self) -> Path:
        return self.data_dir / "usage.sqlite"

    @property
    def state_database(self) -> Path | str:
        """Where the turn log, feedback and learner state live: TUTOR_DATABASE_URL, else the SQLite file."""
        return self.database_url or self.turn_log_path

    @property
    def web_cache_dir(self) -> Path:
        return self.data_dir / "web"

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)


def get_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]


def migrate_legacy_data_dir(settings: Settings, notify: Callable[[str], None]) -> bool:
    """Move a ./.tutor left by an older version into the per-user data dir, once, with a one-line notice.
    Only when TUTOR_DATA_DIR is not set, the folder holds an index and the user dir holds none yet."""
    if os.environ.get("TUTOR_DATA_DIR") or settings.data_dir != user_data_dir():
        return False
    legacy = LEGACY_DATA_DIR.resolve()
    if not (legacy / "manifest.json").exists() or legacy == settings.data_dir.resolve():
        return False
    if settings.manifest_path.exists():
        return False
    settings.data_dir.parent.mkdir(parents=True, exist_ok=True)
    if settings.data_dir.exists():
        if any(settings.data_dir.iterdir()):
            return False
        settings.data_dir.rmdir()
    shutil.move(str(legacy), str(settings.data_dir))
    notify(f"moved the index from {legacy} to {settings.data_dir} (one per user now; TUTOR_DATA_DIR overrides)")
    return True


def load_settings(notify: Callable[[str], None]) -> Settings:
    """The settings of a command-line run, after moving a ./.tutor of an older version (once)."""
    current = Settings()
    migrate_legacy_data_dir(current, notify)
    return current

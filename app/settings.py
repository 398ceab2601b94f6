"""One settings object for the whole tutor, read from ``TUTOR_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Defaults run fully offline with the embedded Chroma and the packaged embedding model."""

    model_config = SettingsConfigDict(env_prefix="TUTOR_", extra="ignore")

    data_dir: Path = Field(Path(".tutor"), description="Index, graph, manifest, usage log, model cache.")
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
    llm_context: int = Field(4096, ge=512, description="llama.cpp context window in tokens.")
    models_dir: Path | None = Field(None, description="Where local GGUF models are assembled; default "
                                                      "<data_dir>/models.")
    prompt: str = Field("answer@latest", description="Prompt name@version for answers.")
    top_k: int = Field(6, ge=1, le=20, description="Passages given to the answer.")
    context_tokens: int = Field(1200, ge=100, description="Token budget for passages (extractive and openai).")
    local_context_tokens: int = Field(450, ge=100, description="Token budget for passages with the local model "
                                                               "(prefill speed bounds time to first token).")
    max_question_chars: int = Field(4000, ge=10, description="Longer questions are rejected with a message.")

    @field_validator("chunk_overlap")
    @classmethod
    def _overlap_below_size(cls, v: int, info: ValidationInfo) -> int:
        size = info.data.get("chunk_tokens", 200)
        if v >= size:
            raise ValueError(f"chunk_overlap ({v}) must be smaller than chunk_tokens ({size})")
        return v

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
    def models_path(self) -> Path:
        return self.models_dir or self.data_dir / "models"

    @property
    def turn_log_path(self) -> Path:
        return self.data_dir / "usage.sqlite"

    @property
    def web_cache_dir(self) -> Path:
        return self.data_dir / "web"

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)


def get_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]

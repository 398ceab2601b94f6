"""The OpenAI chat-completions wire format as `tutor serve` speaks it: request models, body parsing with
clear 4xx errors, and the assistant message built from an answer."""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.core.presenting import source_line
from app.core.tutor import Answer
from app.errors import validation_problem


class ApiError(Exception):
    """An error answered as an OpenAI-style body: {"error": {"message", "type", "code", "param"}}."""

    def __init__(self, status: int, message: str, code: str, type_: str = "invalid_request_error",
                 param: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.type, self.param = status, message, code, type_, param
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "code": self.code, "param": self.param}}

    def response(self) -> JSONResponse:
        headers = {**self.headers, **({"WWW-Authenticate": "Bearer"} if self.status == 401 else {})}
        return JSONResponse(self.body(), status_code=self.status, headers=headers)


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # content parts: keep the text ones
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class TutorOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    known: list[str] = Field(default_factory=list)
    prompt: str | None = None


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, top_p...: the prompt version sets those
    model: str = Field(max_length=200)
    messages: list[ChatMessage] = Field(min_length=1)
    max_tokens: int | None = Field(None, ge=1)  # lowered to the operator's cap, never raised past it
    max_completion_tokens: int | None = Field(None, ge=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    user: str | None = Field(None, max_length=200)
    tutor: TutorOptions = Field(default_factory=TutorOptions)

    def output_limit(self, cap: int) -> int:
        asked = [n for n in (self.max_tokens, self.max_completion_tokens) if n is not None]
        return min([cap, *asked])


async def read_body(request: Request, max_bytes: int) -> Any:
    """The JSON body, read up to ``max_bytes`` (413 past it, before reading the rest)."""
    too_large = ApiError(413, f"the request body is larger than {max_bytes // 1024} KiB", "body_too_large")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    data = bytearray()
    async for part in request.stream():
        data += part
        if len(data) > max_bytes:
            raise too_large
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, f"the request body is not valid UTF-8 (byte {exc.start})", "invalid_encoding") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"the request body is not valid JSON: {exc.msg} at line {exc.lineno} column "
                            f"{exc.colno}", "invalid_json") from None


def parse_chat_request(body: Any, max_messages: int) -> ChatRequest:
    if not isinstance(body, dict):
        raise ApiError(400, "the request body must be a JSON object with 'model' and 'messages'", "invalid_request")
    messages = body.get("messages")
    if isinstance(messages, list) and len(messages) > max_messages:
        raise ApiError(400, f"too many messages ({len(messages)}; the limit is {max_messages}): send the recent "
                            "turns only", "too_many_messages", param="messages")
    try:
        return ChatRequest.model_validate(body)
    except ValidationError as exc:
        loc, problem = validation_problem(exc)
        where = ".".join(map(str, loc)) or "body"
        what = problem if problem in ("is required", "unknown field") else f"is invalid: {problem}"
        raise ApiError(400, f"'{where}' {what}", "invalid_request", param=where) from None


def message_text(answer: Answer) -> str:
    """The answer as a chat message: the text, any notice, then the numbered sources."""
    parts = [answer.answer]
    parts += [f"Notice: {n}" for n in answer.notices]
    citations = answer.citations()
    if citations:
        parts.append("Sources:\n" + "\n".join(source_line(c) for c in citations))
    return "\n\n".join(parts)

"""Practice over HTTP, behind the same API keys, rate limit and access log as the chat API:

    GET  /v1/quiz?topic=&profile=&n=      the next items (due reviews first), without their answers
    POST /v1/quiz/answer                  {"item_id", "answer", "profile"}: graded at once, scheduled (FSRS),
                                          with the expected answer and the cited source
    GET  /v1/progress?profile=            mastery per tier and topic, reviews due, the topic to learn next

``profile`` is 1-64 letters, digits, '.', '_' or '-' (default TUTOR_PROFILE). With API keys, a key's learners are
stored as "<key name>:<profile>", so a key only ever reads and writes its own learners; without keys (a loopback
server) the profile is the one the CLI and the browser app use.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from app.core.practice import Practice, UnknownItem, scoped_profile
from app.errors import TutorError
from app.infra.settings import Settings
from app.server.readiness import TutorState
from app.server.wire import ApiError, read_body

ANSWER_MAX_BYTES = 8 * 1024
MAX_ITEMS = 50


def add_practice_routes(app: FastAPI, settings: Settings, state: TutorState, admit: Callable[[Request], str]) -> None:
    lock = threading.Lock()
    loaded: list[Practice] = []

    def load(tutor: Any) -> Practice:
        with lock:  # the bank is built (or read) once per process
            if not loaded:
                loaded.append(Practice(settings, graph=tutor.graph, store=tutor.store))
            return loaded[0]

    async def practice() -> Practice:
        tutor = await state.ensure()
        if tutor is None:
            raise ApiError(503, f"the tutor is not ready: {state.reason}", "not_ready", "service_unavailable")
        return await anyio.to_thread.run_sync(load, tutor)

    def profile_of(value: Any, client: str) -> tuple[str, str]:
        name = settings.profile if value is None else value
        try:
            return name, scoped_profile(name, client)
        except TutorError as exc:
            raise ApiError(400, str(exc), "invalid_profile", param="profile") from None

    @app.get("/v1/quiz")
    async def quiz(request: Request) -> JSONResponse:
        client = admit(request)
        q = request.query_params
        name, stored = profile_of(q.get("profile"), client)
        n = q.get("n", "10")
        if not n.isdigit() or not 1 <= int(n) <= MAX_ITEMS:
            raise ApiError(400, f"n is a whole number from 1 to {MAX_ITEMS}", "invalid_count", param="n")
        p = await practice()
        topic = None
        if q.get("topic"):
            try:
                topic = p.graph.resolve(q["topic"][:80])
            except KeyError:
                topic = None
            if topic is None or p.graph.kind(topic) != "topic":
                raise ApiError(404, f"no roadmap topic '{q['topic'][:80]}'; topics: {', '.join(p.graph.topics())}",
                               "topic_not_found", param="topic")
        items = await anyio.to_thread.run_sync(partial(p.next_items, stored, topic, int(n)))
        return JSONResponse({"object": "quiz", "profile": name, "items": [i.public() for i in items]})

    @app.post("/v1/quiz/answer")
    async def answer(request: Request) -> JSONResponse:
        client = admit(request)
        body = await read_body(request, ANSWER_MAX_BYTES)
        if not isinstance(body, dict) or not set(body) <= {"item_id", "answer", "profile"} or \
                not isinstance(body.get("item_id"), str) or not isinstance(body.get("answer"), str):
            raise ApiError(400, "an answer is a JSON object with 'item_id' and 'answer' (strings) and an optional "
                                "'profile'", "invalid_request")
        if not body["answer"].strip() or len(body["answer"]) > 500:
            raise ApiError(400, "'answer' is 1 to 500 characters", "invalid_answer", param="answer")
        name, stored = profile_of(body.get("profile"), client)
        p = await practice()
        try:
            result = await anyio.to_thread.run_sync(partial(p.answer, stored, body["item_id"], body["answer"],
                                                            "api"))
        except UnknownItem as exc:
            raise ApiError(404, str(exc), "item_not_found", param="item_id") from None
        return JSONResponse({"object": "quiz.answer", "profile": name, **result})

    @app.get("/v1/progress")
    async def progress(request: Request) -> JSONResponse:
        client = admit(request)
        name, stored = profile_of(request.query_params.get("profile"), client)
        p = await practice()
        data = await anyio.to_thread.run_sync(p.progress, stored)
        return JSONResponse({"object": "progress", **data, "profile": name})

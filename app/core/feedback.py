"""Learner feedback on an answer: a thumbs up or down and an optional comment, kept with the turn it rates.

Every front end records feedback through ``record_feedback``: the Streamlit chat, `tutor chat` (``:up`` /
``:down``) and `tutor serve` (POST /v1/feedback). The rules live here once: what a rating may be, what a
comment may hold, and that a client can rate only the answers it was given. Rated turns are what
`tutor eval promote` turns into eval cases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from app.errors import TutorError
from app.infra.turnlog import TurnLog

Channel = Literal["ui", "cli", "api"]
MAX_COMMENT_CHARS = 2000  # a paragraph; a pasted log belongs in an issue, not a rating
_RATINGS = {"up": 1, "+1": 1, "1": 1, "good": 1, "down": -1, "-1": -1, "bad": -1}
# Control characters other than tab and newline: terminal escapes, NUL, bidi overrides that disguise text
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class FeedbackError(TutorError):
    """Feedback that cannot be recorded as given; the message says what to change."""


class UnknownTurn(FeedbackError):
    """No answer with that id, or not one this client was given."""


@dataclass(frozen=True)
class Rating:
    turn_id: str
    rating: int  # 1 up, -1 down
    comment: str

    @property
    def word(self) -> str:
        return "up" if self.rating > 0 else "down"


def parse_rating(value: object) -> int:
    """``up``/``down`` (or +1/-1, good/bad, true/false) as 1 or -1."""
    if isinstance(value, bool):
        return 1 if value else -1
    if isinstance(value, int) and value in (1, -1):
        return value
    rating = _RATINGS.get(str(value).strip().lower()) if isinstance(value, str | int) else None
    if rating is None:
        raise FeedbackError("a rating is 'up' or 'down'")
    return rating


def clean_comment(comment: object) -> str:
    if comment is None:
        return ""
    if not isinstance(comment, str):
        raise FeedbackError("the comment must be text")
    text = comment.replace("\r\n", "\n").strip()
    if len(text) > MAX_COMMENT_CHARS:
        raise FeedbackError(f"the comment is too long ({len(text)} characters; the limit is {MAX_COMMENT_CHARS}): "
                            "say in a few sentences what was wrong or missing")
    if _CONTROL.search(text):
        raise FeedbackError("the comment holds control characters; send plain text (newlines and tabs are fine)")
    return text


def record_feedback(log: TurnLog | None, turn_id: object, rating: object, comment: object = None,
                    channel: Channel = "ui", client: str | None = None) -> Rating:
    """Validate and store feedback on one turn (replacing earlier feedback on it). ``client`` is the API key's
    name on `tutor serve`: a client may rate only the answers it was given, and another client's turn is
    reported as unknown, so ids cannot be probed."""
    if log is None:
        raise FeedbackError("feedback needs the turn log, and this tutor was started without one")
    if not isinstance(turn_id, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,80}", turn_id):
        raise UnknownTurn("give the id of an answer (the 'id' of the completion, or turn_id in its tutor object)")
    parsed = Rating(turn_id, parse_rating(rating), clean_comment(comment))
    turn = log.turn(turn_id)
    if turn is None or (client is not None and turn.get("client") != client):
        raise UnknownTurn(f"no answer with id '{turn_id}'" + (" for this API key" if client is not None else ""))
    log.rate(turn_id, parsed.rating, parsed.comment, channel, client)
    return parsed


def feedback_summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Feedback rate per prompt version × backend from turn-log rows (``TurnLog.rows``): answers, rated, up, down,
    the share of answers rated, and the share of ratings that were down. Policy replies (refusals) are left out."""
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        if row.get("backend") == "policy":
            continue
        prompt = f"{row.get('prompt_name') or '-'}@{row.get('prompt_version') or 0}"
        cell = cells.setdefault((prompt, row["backend"]), {"prompt": prompt, "backend": row["backend"],
                                                            "answers": 0, "rated": 0, "up": 0, "down": 0})
        cell["answers"] += 1
        if row.get("rating") in (1, -1):
            cell["rated"] += 1
            cell["up" if row["rating"] > 0 else "down"] += 1
    out = []
    for cell in sorted(cells.values(), key=lambda c: (c["prompt"], c["backend"])):
        cell["feedback_rate"] = round(cell["rated"] / cell["answers"], 3)
        cell["down_share"] = round(cell["down"] / cell["rated"], 3) if cell["rated"] else None
        out.append(cell)
    return out

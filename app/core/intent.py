"""What shape a question has, from its wording alone: the one home of the rules that read "before", "after",
"what should I learn", "I already know" and "this is a follow-up". Retrieval and the tutor ask these
functions; tests/core/test_intent.py holds their table.

Known weakness, kept visible: the words are read without context, so "now and then" reads as "after".
"""

from __future__ import annotations

import re

BEFORE = re.compile(r"\b(before|prerequisites?|prereqs?|need to know first|first learn|path to|leads? to|"
                    r"depend(s|encies)? on)\b", re.I)
AFTER = re.compile(r"\b(after|next|then|comes? after|follows?|following|afterwards)\b", re.I)
WHAT_TO_LEARN = re.compile(r"\bwhat (should|do|must|can) i (learn|study|start)|where (should|do) i start|"
                           r"\bwhat to learn\b|\border\b|\bsequence\b", re.I)
KNOWS = re.compile(r"\bi (already )?(know|learned|learnt|have learned|'ve learned|am comfortable with)\b", re.I)
FOLLOW_UP = re.compile(r"\b(it|its|that|this|those|these|them|there|then|next|after|before|more|else)\b|^(and|so|"
                       r"but|what about|how about|why)\b", re.I)


def asks_before(text: str) -> bool:
    """What comes before / what leads to a topic."""
    return bool(BEFORE.search(text))


def asks_after(text: str) -> bool:
    """What follows a topic."""
    return bool(AFTER.search(text))


def asks_what_to_learn(text: str) -> bool:
    """Where to start, what to study, in what order."""
    return bool(WHAT_TO_LEARN.search(text))


def states_known(text: str) -> bool:
    """The learner says what they already know ("I know Python and Git")."""
    return bool(KNOWS.search(text))


def is_follow_up(text: str) -> bool:
    """The question leans on the conversation ("and why?", "what comes after it?")."""
    return bool(FOLLOW_UP.search(text))

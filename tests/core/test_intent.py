"""The question-shape rules (app/core/intent.py), as a table: each row is a question and the cues it must (and must
not) give. Rows marked KNOWN_WRONG document today's mistakes; they fail loudly once the rules are fixed."""

import pytest

from app.core.intent import asks_after, asks_before, asks_what_to_learn, is_follow_up, states_known

ROWS = [
    # question,                                              before, after, what-to-learn, knows, follow-up
    ("What should I learn before Kubernetes?",                 True,  False, True,  False, True),
    ("What are the prerequisites for MLOps?",                  True,  False, False, False, False),
    ("Which path leads to LLMOps?",                            True,  False, False, False, False),
    ("What comes after Docker?",                               False, True,  False, False, True),
    ("What follows SQL in the roadmap?",                       False, True,  False, False, False),
    ("I already know Python and Git, what next?",              False, True,  False, True,  True),
    ("I have learned Linux. Where should I start?",            False, False, True,  True,  False),
    ("In what order should I study the topics?",               False, False, True,  False, False),
    ("What is DNS?",                                           False, False, False, False, False),
    ("Why does Git matter for AI systems?",                    False, False, False, False, True),
    ("And why does it matter for AI workloads?",               False, False, False, False, True),
    ("What about on Windows?",                                 False, False, False, False, True),
    ("Show me an example of that",                             False, False, False, False, True),
    ("How do I make my shell script executable?",              False, False, False, False, False),
]
KNOWN_WRONG = [
    # "now and then" is not a question about what follows (the learner-questions issue fixes this)
    ("Inference requests time out now and then. Where do I start looking?", "after", True),
]


@pytest.mark.parametrize(("question", "before", "after", "learn", "knows", "follow_up"), ROWS,
                         ids=[r[0][:40] for r in ROWS])
def test_question_cues(question, before, after, learn, knows, follow_up):
    assert (asks_before(question), asks_after(question), asks_what_to_learn(question), states_known(question),
            is_follow_up(question)) == (before, after, learn, knows, follow_up)


@pytest.mark.parametrize(("question", "cue", "today"), KNOWN_WRONG)
def test_known_mistakes_stay_visible(question, cue, today):
    assert {"after": asks_after, "before": asks_before}[cue](question) is today

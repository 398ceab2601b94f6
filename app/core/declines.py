"""How the tutor declines and refuses, in one place: the replies it gives, the phrase its prompts ask a model to
use when the passages lack the answer, and the patterns that recognise a decline or a refusal in an answer. The
citation checker skips such sentences (they claim nothing), the evaluators score behaviour with the same
patterns, and tests/core/test_prompts.py checks that every answer prompt asks for the phrase the patterns know."""

from __future__ import annotations

import re

NOT_IN_CONTEXT = "not in the provided context"  # what an answer prompt asks a model to say when it cannot answer

HARM_REPLY = ("I can't help with that. I teach the AI-operations learning roadmap; if you are defending a system, "
              "ask me about monitoring, logs, Linux permissions or secrets in Kubernetes instead.")
EXTRACTION_REPLY = ("I can't share or change my instructions. Ask me about a roadmap topic instead, for example "
                    "\"What should I learn before Kubernetes?\"")
TOPICS = ("Python, Git, Linux, SQL, APIs, Networking, Docker, Kubernetes, Cloud, Monitoring, ML lifecycle, MLOps, "
          "AIOps, LLMOps")


def out_of_scope_reply(nearest: str | None) -> str:
    hint = f" The nearest roadmap topic is {nearest}; try asking about it." if nearest else ""
    return f"That is outside what I teach: the AI-operations learning roadmap ({TOPICS}).{hint}"


# an answer that says it cannot answer from what it was given
DECLINE = re.compile(rf"{NOT_IN_CONTEXT}|outside what i teach|not (covered|mentioned|included) in|"
                     r"(do not|don't|cannot|can't) (find|answer|see)|no information (about|on)|i (do not|don't) know",
                     re.I)
# an answer that will not do what was asked
REFUSE = re.compile(r"\b(i can'?t|i cannot|i can not|i won'?t|i will not|i'm (sorry|unable)|i am (sorry|unable)|"
                    r"unable to (help|assist|comply)|not able to (help|assist))\b", re.I)
# sentences that make no claim about the roadmap: declines, refusals, apologies, lead-ins, a sources heading
NOT_A_CLAIM = re.compile(rf"({NOT_IN_CONTEXT}|outside what|i can't|i cannot|i'm sorry|sorry,|"
                         r"^here (is|are)\b|^sources?:)", re.I)


def is_decline(text: str) -> bool:
    return bool(DECLINE.search(text))


def is_refusal(text: str) -> bool:
    return bool(REFUSE.search(text))


def makes_no_claim(sentence: str) -> bool:
    return bool(NOT_A_CLAIM.search(sentence))

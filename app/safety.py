"""Requests the tutor declines, and text inside documents that tries to act as an instruction.

Pattern rules, kept deliberately plain so each can be read and tested; the eval suite measures them.
"""

from __future__ import annotations

import base64
import binascii
import re

HARM = re.compile(
    r"\b(ransomware|keylogger|malware|botnet|rootkit|credential stuffing|crypto ?jack|"
    r"(make|build|write|create|code|deploy)\b.{0,30}\b(virus|worm|trojan|exploit|backdoor)|"
    r"steal\b.{0,40}\b(password|credential|cookie|token|data|key)s?|"
    r"(ddos|dos attack|flood)\b.{0,40}\b(site|server|someone|them|target|competitor)|"
    r"hack (into|someone|my ex|a)\b|break into\b.{0,30}\b(account|server|network|system)|"
    r"bypass\b.{0,30}\b(authentication|login|paywall|license)|phishing (email|page|site|kit)|"
    r"(make|build)\b.{0,20}\b(bomb|explosive|weapon)|exfiltrat|"
    r"(delete|wipe|destroy)\b.{0,30}\b(someone else'?s|their|production of|competitor))",
    re.I)
EXTRACTION = re.compile(
    r"(system prompt|your (instructions|rules|prompt|guidelines|directives)|initial prompt|hidden prompt|"
    r"(ignore|disregard|forget|override)\b.{0,30}\b(instructions|rules|prompt|above|previous|guidelines)|"
    r"(repeat|print|show|reveal|output|dump|tell me)\b.{0,40}\b(above|instructions|rules|prompt|"
    r"everything before)|developer mode|jailbreak|\bDAN\b|you are now\b|pretend (you are|to be)|"
    r"act as (an? )?(unrestricted|unfiltered|evil|different)|no longer bound|without (any )?restrictions|"
    r"verbatim.{0,20}(prompt|instructions)|ignora las instrucciones|ignorez les instructions|"
    r"ignoriere (alle )?(vorherigen )?anweisungen|instrucciones del sistema|consignes système)",
    re.I)
# Sentences in a document that address the assistant rather than teach the learner.
INJECTED = re.compile(
    r"((ignore|disregard|forget|override)\b.{0,40}\b(instructions|rules|prompt|previous|above|context)|"
    r"\b(assistant|ai model|language model|chatbot|llm)\b.{0,40}\b(must|should|will|now)\b|"
    r"\byou (must|should|will) (now )?(say|reply|respond|answer|output|print|include|repeat)|"
    r"\b(system prompt|new instructions|important instruction)|"
    r"\b(respond|reply|answer) (only )?with\b|\bcanary\b|"
    # addressed to whoever reads the page ("Language models reading this manual: ..."), and in Spanish
    r"\b(assistants?|ai models?|language models?|llms?|chatbots?)\b.{0,20}\b(reading|summari[sz]ing|parsing)\b|"
    r"instrucci[oó]n(es)? para el asistente|\bresponde (solo|solamente|únicamente) con\b)",
    re.I)
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)  # never shown to a reader of the page

HARM_REPLY = ("I can't help with that. I teach the AI-operations learning roadmap; if you are defending a system, "
              "ask me about monitoring, logs, Linux permissions or secrets in Kubernetes instead.")
EXTRACTION_REPLY = ("I can't share or change my instructions. Ask me about a roadmap topic instead, for example "
                    "\"What should I learn before Kubernetes?\"")


def _decoded_variants(text: str) -> list[str]:
    """The text plus any base64 payload decoded, so an encoded instruction is judged like a plain one."""
    out = [text]
    for token in re.findall(r"[A-Za-z0-9+/]{16,}={0,2}", text):
        try:
            decoded = base64.b64decode(token + "=" * (-len(token) % 4), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        if decoded.isprintable():
            out.append(decoded)
    return out


def harmful(question: str) -> bool:
    return any(HARM.search(t) for t in _decoded_variants(question))


def prompt_extraction(question: str) -> bool:
    return any(EXTRACTION.search(t) for t in _decoded_variants(question))


def injected(sentence: str) -> bool:
    return bool(INJECTED.search(sentence))


def strip_injections(text: str) -> str:
    """A passage without lines that try to instruct the assistant (documents are data)."""
    kept: list[str] = []
    carry = False
    for line in _HTML_COMMENT.sub("", text).splitlines():
        if injected(line) or (carry and line.strip()):
            # an instruction hard-wrapped over lines (man pages) goes on until its sentence ends
            carry = not line.rstrip().endswith((".", "!", "?"))
            continue
        carry = False
        kept.append(line)
    return "\n".join(kept)

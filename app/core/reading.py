"""Reading a text every way an attacker may write it: Unicode-normalised with accents, zero-width characters
and homoglyphs folded, leetspeak, rot13, letters spread apart, and base64 / hex / %-encoded payloads; a rule is
judged on every reading, and a quoted mention ("what does 'ignore previous instructions' mean") is not a use.
Shared by the instruction rules (app/core/safety.py) and the harm rules (app/core/harm.py).
"""


from __future__ import annotations

import base64
import binascii
import codecs
import contextlib
import functools
import re
import unicodedata
import urllib.parse
from collections.abc import Callable


def any_of(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


# --- reading the text every way an attacker may write it -------------------------------------------
INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e"
                        "\u2060-\u2064\u2066-\u206f\ufeff\ufe00-\ufe0f]")
_HOMOGLYPHS = str.maketrans("АВЕКМНОРСТУХІЈЅаеорсхуіјѕԁɡӏΑΒΕΗΙΚΜΝΟΡΤΥΧαεικνορτυχ",
                            "ABEKMHOPCTYXIJSaeopcxyijsdglABEHIKMNOPTYXaeikvoptux")
_SMALL_CAPS = str.maketrans("ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢ", "abcdefghijklmnoprstuvwyz")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'", "`": "'", "\u201c": '"',
                         "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"', "\u300c": '"', "\u300d": '"'})
_LEET = str.maketrans("013457@$", "oieastas")
_LEET_TOKEN = re.compile(r"[\w@$]*[a-z][\w@$]*")
_SPACED = re.compile(r"(?<![\w])(?:\w[ ._*-]){2,}\w(?![\w])")


def canonical(text: str) -> str:
    """NFKC, no invisible characters, no accents, straight quotes, lower case, single spaces."""
    t = INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).translate(_SMALL_CAPS)
    t = "".join(c for c in unicodedata.normalize("NFKD", t) if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", t.translate(_QUOTES).lower()).strip()


def _unleet(text: str) -> str:
    def fix(m: re.Match[str]) -> str:
        token = m.group(0)
        return token.translate(_LEET) if re.search(r"[0-9@$]", token) else token
    return _LEET_TOKEN.sub(fix, text)


def _decoded_payloads(text: str) -> list[str]:
    out: list[str] = []
    for token in re.findall(r"[A-Za-z0-9+/]{16,}={0,2}", text):
        with contextlib.suppress(binascii.Error, UnicodeDecodeError, ValueError):
            out.append(base64.b64decode(token + "=" * (-len(token) % 4), validate=True).decode("utf-8"))
    for token in re.findall(r"\b(?:[0-9a-fA-F]{2}){8,}\b", text):
        with contextlib.suppress(ValueError, UnicodeDecodeError):
            out.append(bytes.fromhex(token).decode("utf-8"))
    if re.search(r"%[0-9a-fA-F]{2}", text):
        out.append(urllib.parse.unquote(text))
    return [p for p in out if p.isprintable() and p.strip()]


def variants(text: str) -> list[str]:
    """Every reading of ``text`` the rules judge, canonical first."""
    return list(_variants(text))


@functools.lru_cache(maxsize=16384)  # the same passage lines come back answer after answer
def _variants(text: str) -> tuple[str, ...]:
    base = canonical(text)
    out = [base]
    if re.search("[\u0370-\u03ff\u0400-\u04ff]", text) and re.search("[A-Za-z]", text):
        out.append(canonical(text.translate(_HOMOGLYPHS)))
    out.append(_unleet(base))
    out.append(codecs.encode(base, "rot13"))
    # "i g n o r e  a l l": letters of a word one space apart, words further apart
    spread = _SPACED.sub(lambda m: re.sub(r"[ ._*-]", "", m.group(0)), unicodedata.normalize("NFKC", text))
    out.append(canonical(spread))
    out.extend(canonical(p) for p in _decoded_payloads(text))
    return tuple(dict.fromkeys(out))


# A quoted phrase the learner asks about is a mention, not an instruction.
_QUOTED = re.compile(r"\"[^\"]{2,120}\"|(?:(?<=^)|(?<=[\s(\[:,]))'[^'\s][^']{0,118}[^'\s]'(?=[\s.,;:!?)\]]|$)")
_MENTION_CUE = re.compile(r"\b(such as|like|e\.g\.|for example|for instance|phrase|string|sentence|payload|"
                          r"attacks?|injections?|jailbreaks?|called|mean|means|meaning|what is|what's|whats|"
                          r"what does|example|known as|symptoms?|terms|keywords|aliases|synonyms|tags|que significa|"
                          r"que veut dire|was bedeutet)\b")


def judge(text: str, rule: Callable[[str], bool]) -> bool:
    for v in variants(text):
        if not rule(v):
            continue
        outside = _QUOTED.sub(" ", v)
        quotes = _QUOTED.findall(v)
        mention = quotes and all(len(q.split()) <= 12 for q in quotes) and _MENTION_CUE.search(outside)
        if not (mention and not rule(outside)):
            return True
    return False


IN_SENTENCE = r"[^.!?\n。！？]"  # a character within one sentence, for "X{0,40}? near Y" patterns

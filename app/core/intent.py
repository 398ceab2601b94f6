"""What kind of question this is, from its wording alone: the one home of the rules that read a question's type
("explain", "howto", "troubleshoot", ...), "I already know X" and "this leans on the conversation".

`classify` reads cue phrases in their context, never a word alone, and applies one precedence order:

    practice > simplify > troubleshoot > howto > compare > before > after > next > explain

- A request for an exercise wins over whatever it is about ("quiz me on what comes after Docker").
- A symptom or an error message wins over "why", "how do I fix" and "what's the difference? prod is broken".
- "how do I <verb>" wins over ordinary words in its object ("show the lines before and after a match"),
  except "how do I prepare for X" (before) and "how do I fix X" (troubleshoot).
- before / after / next need roadmap structure around the word ("learn before X", "what comes after X",
  "which topics does X build on", "I know X, what now"), and time expressions ("now and then", "after lunch",
  "next week", "since yesterday", "the first time") are removed before those rules look.
- Quoted text is a mention, not a cue ("what does 'next hop' mean"), unless it reads as an error message.

`python -m evals.intent` measures it on evals/labeled/intent.yaml; evals/labeled/intent-heldout.yaml was written
before these rules and is not used to tune them.
"""

from __future__ import annotations

import re
from typing import Literal

from app.core.text import content_terms

Intent = Literal["explain", "howto", "troubleshoot", "compare", "before", "after", "next", "practice", "simplify"]
INTENTS: tuple[Intent, ...] = ("explain", "howto", "troubleshoot", "compare", "before", "after", "next", "practice",
                               "simplify")


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


# ---------------------------------------------------------------------------------------------------- normalising
_PUNCT = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "`": "'", "\u2014": " - ",
                        "\u2013": " - "})
_CONTRACTIONS = [(re.compile(p), r) for p, r in [
    (r"\b(what|where|that|who|how|it|there|here)'?s\b", r"\1 is"), (r"\bi'?m\b", "i am"), (r"\bi'?ve\b", "i have"),
    (r"\bi'd\b", "i would"), (r"\bi'll\b", "i will"), (r"\byou'?re\b", "you are"), (r"\bwe'?re\b", "we are"),
    (r"\b(do|does|did|is|are|was|were|has|have|could|would|should)n'?t\b", r"\1 not"),
    (r"\bcan'?t\b|\bcannot\b", "can not"), (r"\bwon'?t\b", "will not"), (r"\blet's\b", "let us")]]
# a quote opens and closes at a word edge, so the apostrophes of "I'm" and "what's" are not quotes
_QUOTED = re.compile(r"(?<![a-z0-9])'([^']{2,}?)'(?![a-z0-9])|\"([^\"]{2,}?)\"")


_HEAD, _TAIL = 1500, 500  # a long paste keeps its opening and its last lines (the question): bounded time


def _normalise(text: str) -> str:
    if len(text) > _HEAD + _TAIL:
        text = f"{text[:_HEAD]}\n{text[-_TAIL:]}"
    t = " ".join(text.translate(_PUNCT).lower().split())
    for pattern, replacement in _CONTRACTIONS:
        t = pattern.sub(replacement, t)
    return t


_UNITS = r"(?:ms|s|secs?|seconds?|mins?|minutes?|hours?|hrs?|days?|weeks?|months?|years?|am|pm)"
_TIME_NOUNS = (r"lunch|dinner|breakfast|midnight|noon|work|school|class|bed|tonight|today|tomorrow|yesterday|idle|"
               r"(?:the )?weekend|morning|evening|night|week|month|year|time|(?:mon|tues|wednes|thurs|fri|satur|sun)"
               r"day")
_EVENTS = (r"upgrade|update|deploy|deployment|release|restart|reboot|migration|outage|incident|change|merge|sprint|"
           r"meeting|standup|holiday|vacation|install|switch|move|refactor|crash")
_TIME = _rx(
    r"\b(?:every )?now and (?:then|again)\b", r"\bevery so often\b", r"\bfrom time to time\b",
    r"\bonce in a while\b", r"\b(?:for )?the first time\b", r"\bfirst time\b", r"\bnext time\b",
    rf"\b(?:before|after|since|until|till|by|next|last|this|every|early|later)\s+(?:{_TIME_NOUNS})\b",
    rf"\b(?:before|after|since|until|within|in)\s+(?:about\s+|around\s+|roughly\s+)?(?:\d+|a|an|a few|a couple of)"
    rf"\s*{_UNITS}\b",
    rf"\b(?:before|after|since|until)\s+(?:the|my|our|a|that|this|last|every)\s+(?:\w+\s+)?(?:{_EVENTS})s?\b",
    # "after upgrading to 3.12" is an event; "after networking?" names a topic
    r"\b(?:before|after|since)\s+(?!(?:learn|study|finish|master|complet|start|touch|div|gett|mov|do|tackl)ing\b)"
    r"\w+ing\s+(?:to|the|my|our|a|an|it|this|that|from|with|for|\d)\b",
    r"\b(?:before|after|once|when)\s+(?:i|we|you)\s+(?:start|begin|leave|go|finish|get home)(?=\s*(?:[,.:;!?-]|$))",
    r"\bsince\s+(?:then|yesterday|monday|last \w+|this \w+)\b",
)

# ---------------------------------------------------------------------------------------------------- practice
_PRACTICE_NOUN = (r"exercises?|quiz(?:zes)?|labs?|challenges?|tasks?|drills?|katas?|flashcards?|practice problems?|"
                  r"practice questions?|scenarios?|case stud(?:y|ies)|projects?|assignments?|homework|puzzles?|"
                  r"(?:problems?|queries|commands|questions|bugs?|scripts?) to (?:solve|write|fix|answer|debug)|"
                  r"multiple[- ]choice|mcqs?|\d+ questions?|(?:a )?few questions|mock interview")
_PRACTICE = _rx(
    r"\b(?:quiz|test|drill|grill|challenge|examine)\s+(?:me|us|my)\b",
    r"\bquestions? to (?:check|test|see)\b", r"\bcheck (?:if |that |whether )?i (?:understand|know|get)\b",
    rf"\b(?:give|get|make|set|send|write|create|suggest|prepare|design|generate|want|need|would like)\s+"
    rf"(?:me\s+|us\s+)?(?:[\w'-]+\s+){{0,6}}?(?:{_PRACTICE_NOUN})\b",
    # a request that is only its noun phrase: "quiz on python data types", "python exercise about logs please"
    rf"^(?:(?:a|an|some|one|quick|short|small|simple|easy|hard|\d+)\s+)*(?:[\w-]+\s+){{0,2}}(?:{_PRACTICE_NOUN})"
    rf"(?:\s+(?:on|about|for|with|please|to|covering)\b|\s*(?:[?.!:]|$))",
    r"\b(?:want|need|like|would like|let me|let us|can i|could i)\s+(?:to\s+)?(?:practi[cs]e|drill|train)\b",
    r"\b(?:give|make|set|send|want|need)\b[^.?!]*\b(?:as an? (?:exercise|drill|challenge|quiz|lab)|for practi[cs]e)\b",
    r"\b(?:can|could|may) (?:i|we) (?:have|get|try)\s+(?:[\w'-]+\s+){0,4}?(?:" + _PRACTICE_NOUN + r")\b",
    r"\b(?:give|send|set|find)\s+(?:me|us)\s+[^.?!]{0,30}\bto practi[cs]e\b",
    r"\b(?:lab|exercise|project|practice|quiz)\s+ideas?\b", r"\bany (?:labs?|exercises?|drills?|katas?)\b",
)
_HOW_LEAD = re.compile(r"\bhow (?:do|can|could|should|would|to)\s+(?:i\s+|we\s+)?$|\bhow\s+$")


def _asks_for_practice(t: str) -> bool:
    # "how do I create a task definition" is a how-to whose object happens to be a task
    return any(not _HOW_LEAD.search(t[:m.start()]) for m in _PRACTICE.finditer(t))


# ---------------------------------------------------------------------------------------------------- simplify
_SIMPLIFY = _rx(
    r"\beli5\b", r"\bexplain like\b",
    r"\b(?:explain|describe|say|tell|put|teach|break)\b[^.?!]*\b(?:like|as if|as though)\s+(?:i|you|to|for|a|an|my)\b",
    r"\bin (?:really |very |super |more )?(?:plain|simple|simpler|layman'?s?|everyday|easy|basic|normal|human) "
    r"(?:english|words|terms|language|speak)\b",
    r"\bsimpler\b|\bsimplest\b|\bmore simply\b|\bsimply put\b|\bsimple version\b|\bsimplified\b",
    r"\b(?:explain|describe|say|put)\b[^?.!]*\b(?:simply|plainly)\b", r"\beasier to (?:understand|follow|grasp|get)\b",
    r"\b(?:real[- ](?:world|life)|everyday) comparison\b", r"\banalog(?:y|ies)\b|\bmetaphors?\b",
    r"\bdumb(?:ed)? (?:\w+ )?down\b", r"\bwithout (?:the |all the |any )?(?:jargon|buzzwords|technical)\b",
    r"\bjargon[- ]free\b", r"\btoo (?:technical|complicated|complex|advanced|much jargon|abstract)\b",
    r"\bnon-?technical\b", r"\bbaby steps\b|\bgo slower\b|\bslow down\b|\blost me\b|\bover my head\b",
    r"\b(?:do not|did not|still do not|still) (?:get|understand|follow) (?:it|that|this|you)\b",
    r"\b(?:still |i am |totally |so )confused\b", r"\brephrase\b", r"\bfor dummies\b",
    r"\b(?:to|for) an? (?:\d+|five|six|seven|eight|ten|twelve)[ -]?(?:year|yr)[ -]?old\b",
    r"\ba (?:kid|child|toddler) (?:would|could|can)\b", r"\b(?:kid|child|grandma|grandmother|grandpa|granny)\b",
    r"\bfor (?:a|an|someone|somebody|people) (?:\w+ )?(?:beginner|newbie|novice|layman|layperson|non-?techie)\b",
)

# ---------------------------------------------------------------------------------------------------- troubleshoot
_ERROR_LITERAL = _rx(  # the text of an error message
    r"\btraceback\b", r"\b\w+(?:error|exception)\b", r"\b(?:error|fatal|panic|failed|warning|e)\s*:",
    r"\bsegmentation fault\b|\bsegfault\b|\bcore dumped\b", r"\bexit(?:ed)? (?:code|status)\b|\bexited with\b",
    r"\b(?:permission|access) denied\b|\baccessdenied\b", r"\bconnection (?:refused|reset|timed out|closed)\b",
    r"\bno space left\b", r"\bnot found\b", r"\bout of (?:memory|gpu memory|vram|disk space)\b",
    r"\bcrashloopbackoff\b|\bimagepullbackoff\b|\berrimagepull\b|\boomkill(?:ed)?\b|\bevicted\b",
    r"\bx509\b|\bunknown authority\b|\bcertificate (?:has expired|verify failed)\b",
    r"\b(?:returns?|returning|returned|gives?|giving|getting|get|got|throws?|with)\s+(?:an?\s+|http\s+)?"
    r"[45]\d\d\b",
)
_SYMPTOM = _rx(  # the learner's own words for something broken
    r"\b(?:fails?|failed|failing)\b", r"\berror(?:s|ed)? out\b|\berroring\b|\berrored\b", r"\bcrash(?:es|ed|ing)?\b",
    # "my pod keeps restarting"; not what the learner keeps meeting ("I keep hearing about RAG", "seeing the word")
    r"\bkeeps? (?!(?:hearing|seeing|reading|getting asked|coming across|running into the (?:word|term))\b)\w+ing\b",
    r"\b(?:will not|does not|do not|did not|is not|are not|can not|could not|unable to|not|never)\s+(?:\w+\s+)?"
    r"(?:work|working|start|starting|load|loading|connect|connecting|resolve|reach|find|build|run|running|respond|"
    r"pull|push|mount|open|save|show|showing|come up|boot|compile|install|import|translate|talk|authenticate|"
    r"scale|schedule|update|sync|fit|fits)\b",
    r"\b(?:hangs?|hanging|hung|stuck|freez(?:es|ing)|frozen|unresponsive|unreachable|stall(?:s|ed)?|dies|died|"
    r"dying|kills?|killed|broken|broke|times? out|timing out|timed out|timeouts?)\b",
    r"\bexits? (?:right away|immediately|instantly|straight away|at once|with)\b",
    r"\b(?:got|gotten|getting|became|become|is|are|runs?|running|so|really|very|too|super|painfully)\s+"
    r"(?:really\s+|very\s+|so\s+|super\s+|just\s+|quite\s+)?slow\b",
    r"\b(?:slower|worse|higher|more|longer) than (?:yesterday|before|usual|normal|expected|last)\b",
    r"\b(?:got|gotten|getting|became|become|is|are|runs?|running)\s+(?:\w+\s+)?(?:slower|worse|flakier)\b",
    r"\b(?:slower|worse) since\b",
    r"\b(?:returns?|returned|returning|gives?|gave|get|got|getting)\s+(?:\w+\s+)?(?:more|fewer|less)\s+"
    r"(?:rows|results|records|lines|items)\b",
    r"\blooks? (?:totally |completely |very |way |really )?(?:different|off|wrong)\b(?!\s+(?:from|to|than)\b)",
    # "the serving container returns totally different predictions", "on new customers it was basically coin flips"
    r"\b(?:returns?|returned|returning|gives?|gave|giving|produces?|produced|outputs?)\s+(?:\w+\s+){0,2}(?:different|"
    r"wrong|garbage|nonsense|random|weird)\s+(?:predictions?|results?|answers?|outputs?|values|numbers|scores)\b",
    r"\bcoin ?flips?\b|\bno better than (?:random|chance|guessing)\b",
    r"\b(?:goes|went|going|keeps going) off\b|\bfalse (?:alarms?|alerts?|positives?)\b",
    r"\bnot a real (?:incident|problem|issue|outage|alert)\b",
    # a mishap and "what now?": "I committed my .env file, what now?" is not "what should I learn next?"
    r"\b(?:accidentally|by mistake|mistakenly|oops|whoops|uh-?oh)\b",
    # data that went away: "my postgres pod loses all its data when it restarts" (not "I'm lost")
    r"\b(?:loses|losing|lost|lose)\s+(?:all\s+)?(?:of\s+)?(?:my|our|the|its|it is|their|his|her|all)?\s*(?:data|files?|"
    r"changes|work|rows|records|state|progress|tables?|commits?|history|edits|volumes?)\b",
    r"\b(?:disappear(?:s|ed|ing)?|vanish(?:es|ed|ing)?)\b",
    r"\b(?:i|we) (?:just )?(?:committed|pushed|deleted|dropped|overwrote|leaked|published|exposed|wiped)\b"
    r"[^?!]{0,80}\b(?:what now|now what|what do (?:i|we) do)\b",
    r"\bwhat (?:is|could be|might be) (?:going on|happening|wrong|causing (?:this|it))\b"
    r"(?!\s+(?:in|inside|under|behind|when|during|with|between)\b)",
    r"\bwhere (?:do|should|can) (?:i|we) (?:even )?(?:start )?look(?:ing)?(?:\s+first)?\s*(?:[?.!,]|$)",
    r"\b(?:doubled|tripled|spiked?|spiking|skyrocketed|jumped|went up|exploded)\b",
    r"\b(?:dropped|drops|dropping|fell|plummeted|regressed)\b",
    # a change over time that nobody made: "was 94% precision at launch, now it's around 80%; nobody touched it"
    r"\b(?:nobody|no one|noone) (?:touched|changed|modified|deployed)\b",
    r"\b(?:was|were|used to be|used to take)\b[^.?!]{0,50}\bnow (?:it'?s|its|it is|is|are|we'?re|only|takes)\b",
    r"\b(?:takes?|taking|took) (?:about |around |over |almost |like |roughly |nearly |more than |up to |~\s*)?\d+\s*"
    r"(?:ms|s|secs?|seconds?|mins?|minutes?|hours?)\b",
    r"\b\d+\s*(?:ms|s|secs?|seconds?|mins?|minutes?|hours?) instead of (?:the usual )?\d+",
    r"\b(?:suddenly|all of a sudden|for no (?:obvious |apparent )?reason|out of nowhere|intermittently|randomly)\b",
    r"\b(?:comes?|came|coming) back (?:empty|blank|null|wrong|as)\b|\breturns? (?:empty|null|nothing|none|nan)\b",
    r"\b(?:is|are|comes?|shows?|looks?|stays?|went|goes|returns?)\s+(?:\w+\s+)?(?:empty|blank)\b",
    r"\b(?:wrong|irrelevant|garbage|nonsense|bogus|stale|duplicated?)\s+(?:predictions?|results?|output|answers?|"
    r"values?|data|numbers?|chunks?|rows?|responses?)\b|\bincorrect\b",
    r"\b(?:works?|worked|runs?|ran|passed|passes|fine|ok|okay)\b[^.?!]{0,50}\bbut\b[^.?!]{0,60}"
    r"\b(?:not|nothing|fails?|crash\w*|broken|wrong|error|no)\b",
    r"\bdoes nothing\b|\bnothing (?:happens|is happening)\b|\bno (?:output|data|logs|response)\b",
    r"\bnothing (?:works|runs|loads|starts|builds|compiles|responds)\b",
    r"\bstopped (?:working|showing|responding|sending|receiving|reporting|logging|running)\b|\bjust stops\b",
    r"\b(?:shows?|showing|is|are|was|were|been|stuck in|stays?|remains?|sits?|sitting)\s+(?:\w+\s+){0,2}?(?:as\s+)?"
    r"(?:down|pending|unhealthy|notready|not ready|terminating|0/\d)\b",
    r"\b(?:rejected|refused|denied|forbidden|unauthori[sz]ed)\b",
    # "git push says rejected", not "my lead says always rebase"
    r"(?:^|\b(?!(?:lead|boss|manager|colleague|coworker|teammate|senior|mentor|teacher|he|she|they|everyone|"
    r"people|someone|docs|tutorial|book|course|team|friend|interviewer)\s)[\w'-]+\s+)(?:says|said|complains|complained)\b",
    r"\b(?:an?|this|the same|weird|strange|following|get|getting|got|throws?|throwing|gives?|giving)\s+(?:\w+\s+)?"
    r"(?:error|exception)s?\b(?!\s*(?:budget|rate|handling|bars?|codes?))",
)
# what people keep telling the learner is no symptom: "people keep saying we need evals", "my lead keeps asking"
_PEOPLE_KEEP = re.compile(r"\b(?:people|everyone|everybody|folks|someone|somebody|he|she|they|(?:my|our|the) (?:\w+ )?"
                          r"(?:boss|manager|lead|coworker|co-worker|colleague|mentor|teacher|team|senior|friend|"
                          r"reviewer|interviewer)s?)\s+keeps? (?:saying|telling|asking|mentioning|recommending|"
                          r"suggesting|talking|pushing|insisting|bringing up|nagging)\b")
_FIX_VERBS = {"fix", "debug", "troubleshoot", "solve", "resolve", "diagnose", "repair", "workaround", "unstick"}
# "what happens if a pod fails?" asks about a generic case, not about the learner's own symptom
_HYPOTHETICAL = re.compile(r"^(?:what|why|how)\b(?!.*\b(?:my|our|i|we|me|us)\b).*\b(?:if|when|whenever)\s+"
                           r"(?:a|an|the|it|one)\b|^(?:why|when|how) (?:would|might|could)\b")
_QUOTE_INTRO = re.compile(r"\b(?:says?|said|saying|shows?|showed|prints?|printed|throws?|gives?|error|errors|fails?|"
                          r"failed|with|get|getting|got|fix)\s*:?\s*$")


def _quotes_an_error(t: str) -> bool:
    for m in _QUOTED.finditer(t):
        quoted = m.group(1) or m.group(2) or ""
        if _ERROR_LITERAL.search(quoted) or _SYMPTOM.search(quoted) or _QUOTE_INTRO.search(t[:m.start()]):
            return True
    return False


# ---------------------------------------------------------------------------------------------------- howto, compare
# the thing asked for, named first: "prometheus alert rule: fire if 5xx is over 5%", "cron line for every weekday"
_ASKED_FOR_BY_NAME = (r"^\s*(?:(?:a|an|the|my|\w+)\s+)?(?:alert(?:ing)? rule|promql(?: query)?|sql query|"
                      r"cron(?:tab)? (?:line|entry|expression)|dockerfile|k8s manifest|kubernetes manifest|"
                      r"deployment yaml|compose file|github actions? workflow|systemd unit)\s*(?::|for\b|to\b|that\b)")
_HOWTO = _rx(
    _ASKED_FOR_BY_NAME,
    r"\bhow (?:do|can|could|should|would|shall|might|must|will) (?:i|we|one|you)\s+(?:\w+ly\s+|even\s+|then\s+)?"
    r"(?P<verb>[\w-]+)",
    r"\bhow to\s+(?P<verb2>[\w-]+)",
    r"\b(?:what is|which is|what are) (?:the|a|an) (?:\w+\s+)?(?:command|commands|syntax|flag|option|way|steps)\s+"
    r"(?:to|for)\b",
    r"\bwhich (?:command|flag|option|cli)\b", r"\bshow me how\b", r"\b(?:steps|instructions) (?:to|for)\b",
    r"\bis there a (?:way|command|flag) to\b", r"\bwalk me through (?:how|setting|creating|the steps)\b",
    # "quick way to check if port 443 is reachable from my laptop?"
    r"^(?:a |the |any )?(?:quick|quickest|easy|easiest|fast|fastest|simple|simplest|best|proper|right|clean|safe|"
    r"safest) way to\b",
    # a task given as an order ("undo my last commit but keep the changes", "pls list every cron job on this box")
    r"^(?:(?:please|pls|plz|ok|okay|so|quick q|quick question|help me)\s*[,:]?\s+)?(?P<verb3>undo|revert|delete|"
    r"remove|rename|list|find|kill|stop|restart|create|make|set up|setup|install|uninstall|upgrade|copy|move|count|"
    r"add|change|export|schedule|rotate|back up|backup|clean up|clean|tag|squash|rebase|shrink|split|expose|mount|"
    r"reset|unstage|untrack|forward|resize|free up)\s+(?:up\s+)?(?:my|the|a|an|all|this|that|these|those|every|"
    r"our|it|last|old|some)\b",
    # "which process is sitting on port 5432?": find it, then act on it
    r"\bwhich (?:process|program|app|service|pod|container|user|file|package|port|commit|query)(?:es|s)? (?:is|are|"
    r"was|were) (?:using|listening|sitting|holding|taking|eating|hogging|bound|bind\w*|blocking|locking|"
    r"filling)\b",
)
_PREPARE_VERBS = {"prepare", "prep", "get"}  # "get" counts only in "get ready"
_CHOOSE_VERBS = {"choose", "decide", "pick", "know", "tell"}  # "how do I choose between X and Y" compares
# the words around a claim that two things are one: "basically the same", "really just", "pretty much identical"
_HEDGE = r"(?:basically|really|just|pretty much|essentially|literally|kind of|kinda|all)"
_COMPARE = _rx(
    r"\bvs\.?(?!\w)", r"\bversus\b", r"\bv\.s\.", r"\bdiff(?:e?r?e?n[cs]e?s?)?\s+(?:between|in)\b",
    r"\bwhat is the (?:main |real |big |key )?diff\w*\b", r"\bdiffer(?:s|ent|ently)?\s+(?:from|than|to)\b",
    r"\bhow (?:is|are|does|do)\b[^?.!]*\bdiffer",
    r"\bcompared? (?:to|with)\s+(?!yesterday|last|before|baseline|earlier|normal|usual|previous|the previous)",
    r"\bcomparison\b", r"\b(?:better|worse|faster|cheaper|easier|harder|safer|simpler|preferable) than\b",
    r"\bwhich (?:one |of them |of the two )?(?:is|would be|should i (?:use|pick|choose))\s+(?:better|best|"
    r"preferable|faster|cheaper|easier|right)\b",
    r"\bpros and cons\b", r"\btrade-?offs?\b", r"\b(?:choose|pick|decide) between\b", r"\bwhen to use which\b",
    r"^(?:why|when|should i)\b[^?.!]*\b(?:instead of|rather than|over)\b",
    r"(?:^|[,:;.?!-] )compare (?!my\b|your\b|our\b)\S+(?: \S+){0,3} (?:and|with|to|vs)\b",
    # a misconception is a comparison the learner got wrong: "isn't Kubernetes just Docker?", "git is the same as
    # GitHub, right?", "MLOps is just DevOps where the artifact is a model"
    r"\b(?:isn't|is not|aren't|are not)\s+(?:\S+\s+){1,3}(?:just|basically|simply|only)\s+(?:a |an |the )?\w",
    r"\b(?:is|are)\s+(?:just|basically|really just|simply)\s+(?:a |an |the )?\S+(?: \S+){0,3}\s+"
    r"(?:where|plus|with extra|with more)\b",
    r"\b(?:is|are)(?:\s+[\w'-]+){0,4}?\s+the same (?:\w+ )?as (?!before|yesterday|last|usual|earlier|normal)",
    r"\binterchangeabl[ey]\b",
    # "PUT and POST are basically the same thing, right?", "are docker and kubernetes the same thing?"
    r"\b\S+\s+and\s+\S+\s+(?:are|r)\s+(?:" + _HEDGE + r"\s+)*"
    r"(?:the same(?: thing| things)?\s*(?:[,.?!]|right\b|$)|identical\b|equivalent\b)",
    r"^(?:so\s+)?are\s+\S+(?: \S+)?\s+and\s+\S+(?: \S+)?\s+(?:" + _HEDGE + r"\s+)*"
    r"(?:the same|identical|equivalent)\b",
    # "a container is basically just a tiny VM, right?"
    r"\b(?:is|are)\s+(?:" + _HEDGE + r"\s+)+just\s+"
    r"(?:a |an |the )?[^?.!]{1,40}?\s*,?\s*(?:right|correct|yeah|no|isn't it)\s*\?",
)
# "image vs container, my mentor keeps correcting me": the question opens by naming what it compares
_OPENS_WITH_SIDES = re.compile(r"^\s*[\w./+#-]+(?: [\w./+#-]+)?\s+(?:vs\.?|versus)\s+[\w./+#-]+(?: [\w./+#-]+)?"
                               r"\s*(?:[,.;:?!-]|$)")
_NOT_A_NAME = {"is", "are", "do", "does", "can", "should", "what", "how", "why", "i", "it", "that", "this", "there",
               "a", "an", "the", "to", "me", "you", "we", "my", "and", "not"}
_CLAUSES = re.compile(r"\s*(?:[,;:?!]|\.(?:\s|$)| - )\s*")
_CHOICE = re.compile(r"^(?:(?:as a \w+|should i use|should i pick|do i use|do i need|use)\s+)?"
                     r"(?P<a>[\w./+#-]+(?: [\w./+#-]+){0,2}) or (?P<b>[\w./+#-]+(?: [\w./+#-]+){0,2})(?: for\b.*)?$")


_ORDER_CHOICE = re.compile(r"\b[\w.+#-]+ (?:next|first|now|then)\s*,?\s*or (?:should i (?:do |learn )?)?[\w.+#-]+ "
                           r"(?:next|first|now|before)\b|\bwhich (?:one |topic )?(?:first|next)\b[^?.!]{0,20}\bor\b")


def _offers_a_choice(t: str) -> bool:
    """ "rest or grpc for internal services?": a clause that is two short names joined by "or"."""
    for clause in _CLAUSES.split(t):
        m = _CHOICE.match(clause)
        if m and m["a"].split()[0] not in _NOT_A_NAME and m["b"].split()[0] not in _NOT_A_NAME:
            return True
    return False


# ---------------------------------------------------------------------------------------------------- learning path
_TARGET = r"(?!(?:i|we|you|then|QUOTE)\b)\w"  # what follows "before": a topic or a pronoun for one
_LEARNING = re.compile(r"\b(?:learn\w*|know|knew|study|studied|need\w*|requir\w*|have down|under my belt|master|"
                       r"cover|covered|done|finish\w*|understand|should|must|prepare|ready|topics?|sections?|"
                       r"prereq\w*|foundations?|basics)\b")
_BEFORE_TOPIC = re.compile(rf"\b(?:before|prior to|ahead of|going into)\s+(?:(?:i|we|you)\s+(?:can\s+|could\s+)?)?"
                           rf"(?:(?:start|begin|learn|do|tackle|touch|get into|dive into|move on to|jump into|try|"
                           rf"take|study|diving into|starting|learning|touching|tackling|getting into|doing)\w*\s+)?"
                           rf"{_TARGET}")
_COMES_BEFORE_IT = re.compile(r"\bdoes\s+[^?.!]{1,40}\s+come\s+before\b")  # "which topic does SQL come before?"
_BEFORE = _rx(
    r"\bpre-?req\w*\b", r"\bprerequisit\w*\b", r"\bstepping stones?\b", r"\bfoundations?\b", r"\bassumes?\b",
    r"\b(?:path|road|route|roadmap|track)\b[^?.!]{0,25}?\b(?:up to|to|towards?)\s+\w",
    # "the fastest way to kubernetes from python" is a path; "a quick way to count rows" is a method
    r"\bway\b[^?.!]{0,25}?\b(?:up to|towards?)\s+\w", r"\bway\b[^?.!]{0,25}?\bto\s+[\w-]+\s+from\s+\w",
    r"\bto (?:be|get) ready for\b", r"\b(?:am i|are we|i am|we are) ready for\b",
    # "can I skip Linux and go straight to Docker?": what Docker needs first
    r"\b(?:go|jump|move|head|dive|skip)\s+(?:straight|directly|right)\s+(?:in)?to\s+\w",
    r"\bto (?:reach|get to|arrive at|end up at)\b",
    r"\b(?:prepare|prep|get ready)\b(?!\s+(?:me|you|us)\b)[^?.!]{0,12}\b(?:for|before)\b",
    r"\bif i want to (?:do|learn|get into|work (?:in|on)|start|move into|become)\b", r"\bto get into\b",
    r"\b(?:need|needed|have) to (?:know|learn|study)\b[^?.!]{0,20}\bto (?:get into|start|do|learn|work)\b",
    r"\bgoing into\b",
    r"\b(?:is|are)\s+\w+(?:\s+\w+)?\s+(?:required|needed|necessary|essential|a must)\s+(?:for|before)\b",
    r"\b(?:required|needed|necessary) (?:for|before) (?:the )?\w+(?: \w+)? (?:topic|section|part|tier|module|track)\b",
    r"\bwhat (?:is|are) (?:required|needed|necessary) for\b",
    r"\bwhat (?:\w+ )?(?:do|would|will|should) (?:i|we) (?:actually |really |still )?need (?:for|before|to "
    r"(?:know|learn|start|get into))\b",
    r"\b(?:does|do)\b[^?.!]{1,40}\b(?:build|depend|rely|rest)s?\s+(?:up)?on\s*(?:[?.!]|$)",  # "what does X build on?"
    r"\b(?:what|which)\b(?:\s+\w+){0,2}\s+feeds?\s+into\s+\w", r"\bupstream (?:of|from)\b",
    r"\bafter (?:which|what) (?:topics?|sections?|tiers?|steps?)\b", r"\bleads? up to\b",
    r"\b(?:which|what) (?:topics?|sections?|tiers?|steps?|skills?)\b[^?.!]{0,10}\bleads?\s+(?:to|into)\b",
    r"\bcomes? (?:before|prior to)\s+" + _TARGET,
)
_AFTER = _rx(
    r"\b(?:comes?|coming|goes|is|are|topics?|sections?|tiers?|steps?|modules?|parts?|anything|something|learn|study|"
    r"tackle|take|one|right|directly|immediately|next|put|placed|listed|do)\s+after\s+(?!QUOTE)\w",
    r"\b(?:what|which)\b[^?.!]{0,25}\bfollows\b", r"\bfollowed by\b", r"\bfollowing (?:topic|section|tier|step)\b",
    r"\b(?:what|where|which)(?:\s+\w+)?\s+(?:does|do|did|will|would)\b[^?.!]{1,40}\blead\b",
    r"\b(?:what|which)\b(?:\s+\w+){0,2}\s+(?:builds?|depends?|relies|rely|rests?)\s+(?:up)?on\s+(?:top\s+of\s+)?\w",
    r"\bunlock\w*\b", r"\bprepare (?:me|you|us) for\b", r"\bdownstream\b",
    r"\b(?:does|do)\b[^?.!]{1,40}\bfeeds?\s+into\s*(?:[?.!]|$)",
    r"\blater (?:topics?|sections?|tiers?|parts?|modules?|on)\b", r"\bcomes?\s+(?:once|when|later|next)\b",
    r"\b(?:comes?|coming|goes|go) after\s*(?:[?.!]|$)",  # "I know Docker now. What comes after?"
    r"^after\s+(?!(?:i|we|you|that|the|a|an|this|my|our|which|what)\b)(?!\w+ing\b)[\w ./-]{1,30},\s*"
    r"(?:what|which|where)",
    r"\b(?:the|what is) next (?:topic|section|tier|module)\b", r"\bend of the (?:roadmap|road|path)\b",
)
_NEXT = _rx(
    r"\bwhat\s+(?:should|shall|do|must|can|could|would)\s+(?:i|we)\s+(?:\w+\s+)?(?:learn|study|focus on|tackle|"
    r"pick up|pick|do|work on|take on|look at|start with|start on|go for|try|choose|prioriti[sz]e)\b"
    r"(?!\s+(?:about|in|on|with|when|if|to)\b)",  # "what should I learn about APIs?" is an explain question
    r"\bwhat (?:next|now)(?![\w-])", r"\bnow what\b", r"\bwhat is next\s*(?:for (?:me|us))?\s*(?:[?.!,]|$)",
    # "what's my next step?"; not "my plan is to just use POST for everything", which says what they will do
    r"\b(?:my|our) (?:next |first )?(?:step|move|starting point|options?|plan)\b(?!\s+(?:is|was)\s+to\b)",
    r"\bmy next\b(?!\s+\w+\s+(?:is|was)\s+to\b)",
    r"\bwhere\s+(?:should|do|can|would|shall|could|to)\s+(?:(?:i|we|a|an|one|someone|somebody)\b[^?.!]{0,30}?\s+)?"
    r"(?:start|begin|go from here|head next|go next)\b(?!\s+(?:the|a|my|looking|debugging|troubleshooting|it)\b)",
    r"\bstarting point\b", r"\b(?:where|what) to (?:start|begin|pick|learn|study|choose|focus on)\b",
    r"\bwhich\s+(?:topic|section|tier|one|area|track|part|module)s?\s+(?:should|shall|do|would|could|can|is|to)\b",
    r"\bwhat (?:do|would|can) you (?:suggest|recommend|advise|propose)\b",
    r"\bhow far (?:away |off )?(?:am i|i am|is it|are we|we are)\b",
    r"\b(?:what|which|the right|the best|a good|the recommended) (?:order|sequence)\b",
    # learner-state: the gap between what they know and a goal
    r"\bwhat(?:'s| is| else is) left\b", r"\bhow much (?:is |more is |more )?left\b", r"\bwhat remains\b",
    r"\bstands? between (?:me|us) and\b", r"\bwhat am i missing\b", r"\bshortest (?:\w+ )?(?:path|route|way)\b",
    r"\b(?:what|how much) (?:do|would|should|will) (?:i|we) (?:have|need) to (?:pick up|learn|add|study)\b",
    r"\b(?:jump|dive|slot) in\b", r"\bwhere (?:on|in) (?:this|the) (?:roadmap|path|sequence)\b",
    # "comfortable with docker … how big of a jump is kubernetes from there?": the distance to a topic
    r"\bhow (?:big|large|hard|steep|much) (?:of )?an? (?:jump|step|leap|gap|climb)\b",
    r"\bhow (?:hard|difficult|long) is it to (?:go|move|get|switch|step up) from\b",
    r"\bwhat (?:is|was) (?:my |the )?(?:step one|first step)\s*(?:[?.!]|$)",
)


# "<a situation>, what can I do?" asks how to handle the situation ("my cloud bill doubled, what can we do?"); it is
# a learning-path question only when the learner talks about what they know or learn ("I know Python, what should I
# do?") or asks what to do next, first or now.
_WHAT_TO_DO = re.compile(r"\bwhat (?:should|can|could|do|must|would|shall) (?:i|we) (?:even )?do\b"
                         r"(?!\s+(?:next|first|now|after|then|afterwards|to (?:learn|start|begin))\b)")
_LEARNER_CONTEXT = re.compile(r"\b(?:know|knew|knows|learn\w*|stud(?:y|ied|ying)|finished|completed|done with|new to|"
                              r"beginner|started|starting|roadmap|career|background|experience|course|topics?|"
                              r"i'?m an?|i am an?)\b")


def _learning_path(t: str) -> Intent | None:
    """before / after / next, read from roadmap structure (t without its time expressions and quotes)."""
    if _COMES_BEFORE_IT.search(t):
        return "after"
    if _BEFORE.search(t) or (_BEFORE_TOPIC.search(t) and _LEARNING.search(t)):
        # "I know k8s, what do I need to learn for MLOps?": the path from what they know
        return "next" if states_known(t) else "before"
    if _AFTER.search(t):
        return "after"
    if _NEXT.search(t):
        return "next"
    return None


# A learner asking where to begin, and nothing else but who they are ("I'm a nurse, where should I begin?", "new to
# all this, what's step one?"): a question about this roadmap although it names no topic.
_BEGIN = re.compile(
    r"^(?:(?:so|ok|okay|well|honestly|then|and|but|hi|hey|hello)\s+)*(?:"
    r"(?:where|how)\s+(?:do|should|would|can|could|shall)\s+(?:i|we|a beginner|someone|one)\s+(?:even\s+|actually\s+)?"
    r"(?:start|begin|get started)"
    r"|what(?: is|'s)?\s+(?:my\s+|the\s+)?(?:step one|first step)"
    r"|what\s+(?:should|do|would|must)\s+(?:i|we)\s+(?:learn|study|do|pick up|tackle)\s+first"
    r"|where to (?:start|begin))"
    r"(?:\s+(?:on|with|in)\s+(?:this|the|your)\s+(?:roadmap|path|list|sequence|course|curriculum))?"
    r"(?:\s+(?:here|then|now|first|please|exactly))*$")
_SUBJECT = re.compile(r"\b(?:new to|into|learning|learn|with|about|studying|study)\s+(?:the\s+)?([\w.+#-]+)")
_GENERIC_SUBJECTS = frozenset("tech technology this it all everything programming coding computers software ai ml "
                              "ops devops it. roadmap field industry a an my".split())


def where_to_begin(text: str) -> list[str] | None:
    """None unless one clause of ``text`` only asks where to begin; else the subjects its other clauses name after
    "new to", "into", "learning"… that are not generic ("guitar" in "I'm new to guitar, where do I begin?"), so
    the caller can tell "switching careers into tech" from a beginner of something else."""
    clauses = [c for c in _CLAUSES.split(_normalise(text)) if c]
    others = [c for c in clauses if not _BEGIN.search(c)]
    if len(others) == len(clauses):
        return None
    return [w for w in _SUBJECT.findall(" ".join(others)) if w not in _GENERIC_SUBJECTS]


# A claim put to the tutor to confirm ("containers are just tiny VMs, right?", "we have logs so we do not need
# metrics"): a statement with a tag, a negative question ("isn't Kubernetes just Docker?"), or an assertion with
# no question in it. Answered by the passage that corrects it, which usually says "not", "rather than", "still".
_TAG = re.compile(r"(?<!who is )(?<!what is )\b(?:right|correct|true)\s*\?|"
                  r"(?<!who is )(?<!what is )\b(?:no|right|correct|yes)\s*[?!.]*$|"
                  r"\b(?:is|are|does|do|can|will) not (?:it|they|that|we|you)\s*[?!.]*$|\bis it not\b|\bare they not\b")
_NEGATIVE_QUESTION = re.compile(r"^(?:is|are|does|do|can|will) not\s+[\w.+#-]+(?:\s+[\w.+#-]+)?\s+(?:just|basically|"
                                r"simply|only|really|the same|always|enough)\b")
_ASKS = re.compile(r"\?|^(?:what|why|how|when|where|which|who|whom|whose|can|could|should|would|will|do|does|did|"
                   r"is|are|was|were|have|has|may|might|must|shall|please|tell|explain|show|give|help|teach|quiz|"
                   r"compare|describe|list|i|i am|my|our)\b")
_ASSERTS = re.compile(r"\b(?:is|are|means?|just|basically|only|always|never|nobody|no one|everyone|anymore|"
                      r"do not need|does not need|no need|get rid of|replaces?|same (?:thing )?as|optional|dead|"
                      r"enough|done)\b")


def states_a_claim(text: str) -> bool:
    """Whether ``text`` puts a claim to the tutor rather than asking a question (see ``_TAG``)."""
    t = _normalise(text)
    if len(t.split()) < 5:
        return False
    if _TAG.search(t) or _NEGATIVE_QUESTION.search(t):
        return True
    return not _ASKS.search(t) and bool(_ASSERTS.search(t))


# a thing the learner wants, described by what it should do ("is there a tool that restarts my app if it dies?")
_THING = r"(?:something|a tool|a thing|a way|an app|a system|a service|software|a program)"
_WISH = re.compile(r"^(?:\w+\s+){0,3}?(?:i|we)\s+(?:want|need|would like|am looking for|are looking for)\s+"
                   + _THING + r"\s+(?:that|which|to)\b|^(?:\w+\s+){0,2}?is there " + _THING + r"\s+(?:that|which|to)\b|"
                   r"\bwhat (?:is|are) (?:that|this|it|those|these) called\b|"
                   r"\bwhat do (?:you|people|they) call\b|\bis there a (?:name|term|word) for\b")


# ---------------------------------------------------------------------------------------------------- classify
def classify(text: str) -> Intent:
    """The question's type; the module docstring gives the precedence order."""
    t = _normalise(text)
    plain = _QUOTED.sub(" QUOTE ", t)  # what the learner says, without what they quote
    if _asks_for_practice(plain):
        return "practice"
    if _SIMPLIFY.search(plain):
        return "simplify"
    how = _HOWTO.search(plain)
    verb = (how["verb"] or how["verb2"] or how["verb3"] or "") if how else ""
    # "i want something that runs 5 copies and, if a server dies, starts them elsewhere": a wish, not a symptom
    generic = bool(_HYPOTHETICAL.search(plain) or _WISH.search(plain))
    if verb in _FIX_VERBS or (not generic and (_ERROR_LITERAL.search(plain) or _quotes_an_error(t))):
        return "troubleshoot"
    if not how and not generic and _SYMPTOM.search(_PEOPLE_KEEP.sub(" ", plain)) and not _OPENS_WITH_SIDES.match(plain):
        return "troubleshoot"
    if how:
        if verb in _PREPARE_VERBS and re.search(r"\b(?:prepare|prep|ready)\b", plain):
            return "before"
        if verb not in _CHOOSE_VERBS or not _COMPARE.search(plain):
            return "howto"
    if _ORDER_CHOICE.search(plain):
        return "next"  # "kubernetes next or cloud first?" asks for the order, not for a comparison
    if _COMPARE.search(plain) or _offers_a_choice(plain):
        return "compare"
    if _WHAT_TO_DO.search(plain) and not _LEARNER_CONTEXT.search(plain):
        return "howto"
    return _learning_path(_TIME.sub(" ", plain)) or "explain"


# any question that asks to see the code ("show me an example", "can you show me the yaml for both?")
_WANTS_CODE = re.compile(r"\b(?:show|give|write|paste)\b[^?.!]{0,30}\b(?:example|snippet|yaml|code|command|query|"
                         r"manifest|config|configuration|syntax|dockerfile|compose file|crontab|unit file|script|"
                         r"function|workflow)s?\b|^\s*(?:an?\s+)?(?:example|sample|snippet)s?\s+(?:of|for)\b|"
                         r"\b(?:can|could|may) (?:i|we) (?:see|get|have) (?:an?\s+)?(?:example|sample|snippet)s?\b|"
                         r"\bwhat (?:does|would) (?:the|that|it|this) (?:yaml|code|query|command|config) look like\b|"
                         # "how would i flag latency anomalies in python?": the code in that language
                         r"\bhow (?:do|would|can|could|should) (?:i|we|you)\b[^?.!]{0,80}\b(?:in|with|using) "
                         r"(?:python|pandas|numpy|bash|a (?:python|bash|shell) script)\b|"
                         + _ASKED_FOR_BY_NAME,
                         re.I)


_SIDES = (re.compile(r"\b(?:differen\w*|diff) between (?P<a>.+?) and (?P<b>.+?)(?:[?.!,]|$)", re.I),
          re.compile(r"\b(?:isn't|is not|aren't|are not)\s+(?P<a>[\w./+#-]+(?: [\w./+#-]+)?)\s+(?:just|basically|"
                     r"simply|only)\s+(?:a |an |the )?(?P<b>[\w./+#-]+)", re.I),
          re.compile(r"(?P<a>[\w./+#-]+)\s+(?:is|are)\s+(?:" + _HEDGE + r"\s+)*"
                     r"(?:just|basically|really just|simply|the same (?:thing )?as)\s+(?:a |an |the )?"
                     r"(?:(?:tiny|small|little|mini|lightweight|light|glorified|fancy|fancier)\s+)?(?P<b>[\w./+#-]+)",
                     re.I),
          # "PUT and POST are basically the same thing", "are docker and kubernetes the same?"
          re.compile(r"(?P<a>[\w./+#-]+)\s+and\s+(?P<b>[\w./+#-]+)\s+(?:are|r)\s+(?:" + _HEDGE + r"\s+)*"
                     r"(?:the same|identical|equivalent)\b", re.I),
          re.compile(r"\bare\s+(?P<a>[\w./+#-]+(?: [\w./+#-]+)?)\s+and\s+(?P<b>[\w./+#-]+(?: [\w./+#-]+)?)\s+"
                     r"(?:" + _HEDGE + r"\s+)*(?:the same|identical|equivalent)\b",
                     re.I),
          re.compile(r"(?P<a>[\w./+#-]+(?: [\w./+#-]+)?)\s+(?:vs\.?|versus|compared (?:to|with)|or)\s+"
                     r"(?:a |an |the )?(?P<b>[\w./+#-]+(?: [\w./+#-]+)?)", re.I))
_THREE_SIDES = re.compile(r"(?P<a>[\w./+#-]+)\s*(?:vs\.?|versus|,)\s*(?P<b>[\w./+#-]+)\s*(?:vs\.?|versus|,? or)\s+"
                          r"(?P<c>[\w./+#-]+)", re.I)


def compared_names(question: str) -> list[str]:
    """The names a comparison question sets side by side, as asked: ["liveness probe", "readiness probe"], or three
    in a chain ("logs vs metrics vs traces"); none when it names no sides."""
    three = _THREE_SIDES.search(question)
    for pattern in _SIDES:
        match = pattern.search(question)
        if match:
            names = [match.group("a"), match.group("b")]
            if three and three.start() <= match.start() < three.end():
                names = [three.group("a"), three.group("b"), three.group("c")]
            # a name ends with its sentence: "merge vs rebase. what's the actual difference?" compares "rebase"
            names = [re.split(r"[.!?](?:\s|$)", name)[0].strip() for name in names]
            if all(content_terms(name) for name in names):  # not "this or that"
                return names
    return []


def wants_code(question: str) -> bool:
    """The learner asks for the code itself: "show me the yaml", "give me an example", "what would the query look
    like"."""
    return bool(_WANTS_CODE.search(question))


def describes_trouble(text: str) -> bool:
    """Whether the learner says something is going wrong (an error message, a symptom in their own words), whatever
    type of question they ask about it."""
    t = _normalise(text)
    return bool(_ERROR_LITERAL.search(t) or _SYMPTOM.search(t))


def asks_before(text: str) -> bool:
    """What to learn before a topic: its prerequisites, the path to it, how to prepare for it."""
    return classify(text) == "before"


def asks_after(text: str) -> bool:
    """What follows a topic in the roadmap."""
    return classify(text) == "after"


def asks_what_to_learn(text: str) -> bool:
    """What this learner should learn next, or where to start (the "next" type)."""
    return classify(text) == "next"


# ---------------------------------------------------------------------------------------------------- known
_KNOWS = re.compile(
    r"(?<!do )(?<!should )(?<!must )(?<!need to )(?<!did )\b(?:i|we)\s+(?:already\s+|really\s+|kind of\s+|sort of\s+)?"
    r"(?:know|knows|learned|learnt|have learned|have learnt|have done|have used|have covered|have finished|"
    r"have completed|have mastered|have worked with|did|finished|completed|covered|mastered|can write|can use|"
    r"wrapped up|got through|went through|worked through|can build|"
    r"am (?:pretty |quite |very |fairly |really |reasonably |rather )?(?:comfortable|familiar|good|experienced|fluent|"
    r"proficient|solid|confident) (?:with|in|at)|"
    r"am (?:solid|good|strong|fine|ok|okay) on|"
    r"have (?:some |a lot of |good |solid )?experience (?:with|in))\b"
    r"(?!\s+(?:nothing|that|if|whether|why|how to fix)\b)"
    r"|\b(?:am|i am) done with\b|\bgiven (?:that )?i know\b|\bwho knows\b|\bwith \w+(?: \w+)? experience\b"
    r"|\bonly know\b|\bi know a bit\b|^(?:finished|done with|completed)\b"
    # the subject left out: "comfortable with docker and compose, run a few services at home"
    r"|^(?:pretty |quite |very |fairly |really |reasonably )?(?:comfortable|familiar|solid|fluent|confident|"
    r"experienced) (?:with|in|on)\b"
    r"|\b(?:are|is) (?:fine|solid|no problem|covered)\b|\byears of\b"
    r"|\b\d+\+? ?(?:yrs?|years?) (?:of|in|with|as|doing)\b|\bbeen doing \w+(?: \w+)? (?:for )?\d+\+? ?(?:yrs?|years?)\b"
    r"|\b(?:just )?(?:finished|wrapped up|done with) the\b"
    r"|\b(?:i|we) (?:work with|worked with|have been using|use|used) \w+(?: \w+)? "
    r"(?:daily|every day|at work|for years|professionally|a lot)\b")
_KNOWS_NOT = re.compile(r"\b(?:i|we) (?:do not|did not|never|still do not) (?:really )?(?:know|learn\w*|use\w*)\b|"
                        r"\bknow nothing\b")


def known_statements(text: str) -> tuple[str, list[int]]:
    """The text as the classifier reads it (lower case, contractions spelled out) and where each statement of
    what the learner knows ends in it ("i know", "i am comfortable with", "years of")."""
    t = _normalise(text)
    return t, [m.end() for m in _KNOWS.finditer(t)]


_GAP = re.compile(
    r"(?<!why )(?<!how )(?<!what )\b(?:is|would|will|does|could) (?:that|this|it) (?:be |really |actually )?"
    r"(?:a problem|an issue|a big deal|bad|"
    r"matter|hurt|hold (?:me|us) back)\b|\bwill (?:that|this|it) (?:hurt|hold (?:me|us) back)\b|"
    r"\bdo (?:i|we) (?:really |actually |even |still )?(?:need|have to (?:learn|know|do))\b|"
    r"\bcan (?:i|we) (?:just |safely )?skip\b|\b(?:ok|okay|fine|safe|possible) to skip\b")


def asks_about_a_gap(text: str) -> bool:
    """The learner asks whether a topic they lack or want to leave out matters ("I never touched git, is that a
    problem?", "do I really need the SQL part if all I want is LLMOps?", "can I skip networking?")."""
    return bool(_GAP.search(_normalise(text)))


def states_known(text: str) -> bool:
    """The learner says what they already know ("I know Python and Git", "I'm comfortable with Linux",
    "I've done SQL"), and not only what they don't."""
    t = _normalise(text)
    return bool(_KNOWS.search(t)) and not (_KNOWS_NOT.search(t) and not re.search(r"\bbut i (?:know|have)\b", t))


# ---------------------------------------------------------------------------------------------------- follow-up
_OPENER = re.compile(r"^(?:and|but|so|also|then|ok|okay|alright|what about|how about|what else|anything else|"
                     r"same|again|another|more)\b")
_ELLIPTICAL = re.compile(r"^(?:why|how|really|examples?|an example|for example|e\.g\.|more|go on|continue|"
                         r"details|more details|like what|such as|simpler please)\s*[?.!]*$")
_MORE = re.compile(r"\b(?:elaborate|tell me more|say more|explain more|go deeper|go on|in more (?:detail|depth)|"
                   r"more details?)\b(?:\s+(?:please|on that|on this|on it))?\s*[?.!]*$")
_EXAMPLE = re.compile(r"^(?:can you |could you |please )?(?:show|give|share)(?: me)? (?:an |another |some |a )?"
                      r"(?:more )?(?:examples?|code|demo|snippet|sample)\s*(?:please)?\s*[?.!]*$")
_DEMONSTRATIVE = re.compile(
    # "is that right?", "that part again", "an example of that", "compare this with Kubernetes"
    r"\b(?:that|this|these|those)(?=\s*(?:[?.!,;:]|$)|\s+(?:is|was|does|do|did|mean|means|one|ones|part|step|bit|"
    r"error|example|command|topic|concept|thing|answer|explanation|approach|tool|section|point|output|message|line|"
    r"code|again|too|instead|first|please|work|happen|happens|matter|matters)\b)"
    r"|\b(?:compare|explain|do|use|try|show|repeat|rephrase|simplify|fix|run|apply|about|of|for|with|like|than|from|"
    r"after|before|is|does|did)\s+(?:that|this|these|those)\b"
    r"(?!\s+(?:roadmap|course|tutor|app|site|week|month|year|morning|evening|time|way|day)\b)")
_PRONOUN = re.compile(r"\b(?:it|its|them|they|their)\b")
_DUMMY_IT = re.compile(r"\bit (?:takes|is (?:possible|worth|ok|okay|safe|normal|bad|better|true|a good idea|called|"
                       r"hard|easy|necessary|recommended))\b|\bis it (?:possible|worth|ok|okay|safe|normal|bad|better|"
                       r"true|a good idea|hard|easy|necessary|recommended)\b|\bhow long does it take\b")
_NOT_AN_ANTECEDENT = frozenset(
    "a an the and or but so also then what which who why how when where is are was were be been do does did done can "
    "could should would will shall may might must i me my we us our you your they them it its this that these those "
    "there here of to in on at for with from by about as into onto over after before next again more most less please "
    "just really still even not no yes ok okay if than too very some any all learn learning study explain explained "
    "tell show give mean means matter matters work works happen happens come comes example examples simpler simply "
    "simple detail details bit part thing way same else other another one use used using need needed get got make "
    "made have has had know go goes going let say said".split())


_BOTH = re.compile(r"\b(?:both|the two|these two|those two|each of them|either of them)\b")


def refers_back(text: str) -> bool:
    """The question points at something said before ("show me the yaml for both", "does it work in Docker
    too?"), so it needs the earlier subject even when it names a topic of its own."""
    t = _QUOTED.sub(" QUOTE ", _normalise(text))
    if _BOTH.search(t) or _DEMONSTRATIVE.search(_TIME.sub(" ", t)):
        return True
    m = _PRONOUN.search(t)
    if m is None or _DUMMY_IT.search(t):
        return False
    # "the pod starts fine, then it crashes": the pronoun's antecedent is in the question itself
    return all(w in _NOT_AN_ANTECEDENT for w in re.findall(r"[a-z][\w.+#-]*", t[:m.start()]))


def is_follow_up(text: str) -> bool:
    """The question leans on the conversation: "and why?", "what comes after it?", "show me an example",
    "what about on Windows?", "explain it simpler"."""
    t = _QUOTED.sub(" QUOTE ", _normalise(text))
    return bool(_OPENER.search(t) or _ELLIPTICAL.match(t) or _MORE.search(t) or _EXAMPLE.match(t)) \
        or refers_back(text)


# What a "what is X?" question asks to have explained, up to three words, said in one of the ways people ask it:
# "what is a pod?", "whats REST", "what even is git?", "what is sql used for", "what does prometheus actually
# do?", "what is a pod in kubernetes?" (what it is "in" or "for" left out), "API = ?"; the clause may follow
# another ("in simple terms what is linux?", "... access denied, what is IAM?") or another sentence.
_NAMED = (r"(?:the\s+point\s+of\s+|the\s+(?:word|term)\s+)?(?:an?\s+|the\s+)?['\"]?"
          r"(?P<term>[\w./+#-]+(?:\s+[\w./+#-]+){0,2}?)['\"]?")
_CONTEXT = r"(?:\s+(?:in|for|on|with|inside)\s+[\w\s./+#-]{1,40}?)?"
_HEDGE = (r"(?:\s*\([^)]{1,30}\))?(?:\s+(?:exactly|actually|really|again|even))?"
          r"(?:,?\s+in (?:simple|plain) (?:terms|english|words))?")
_END = r"\s*[?.!]*\s*$"
_ASKS_WHAT = (
    re.compile(r"(?:^|[,;:]\s*|\bterms\s+|^in\s+[\w\s./+#-]{1,30}?\s+|^noob question:\s*)(?:so\s+|ok\s+|and\s+)?"
               r"(?:what(?:\s+even)?(?:'s|s|\s+is|\s+are)|define|(?:wtf|wth)(?:'s|s|\s+is|\s+are)?)"
               r"(?:\s+(?:even|exactly|actually|really))?\s+" + _NAMED + _CONTEXT
               + r"(?:\s+(?:used for|for|good for|all about))?" + _HEDGE + _END, re.I),
    re.compile(r"(?:^|[,;:]\s*)(?:so\s+|ok\s+|and\s+)?what\s+(?:does|do)\s+" + _NAMED + _CONTEXT
               + r"(?:\s+(?:actually|really|even))?\s+(?:do|mean|stand for)" + _CONTEXT + _HEDGE + _END, re.I),
    re.compile(r"\b(?:explain|tell me)\s+(?:to me\s+)?what\s+" + _NAMED + _CONTEXT + r"\s+(?:is|are|does|do|means)\b"
               + _CONTEXT + r"(?:\s+(?:for|used for))?" + _HEDGE + _END, re.I),
    # "ELI5 cron", "explain subnet like i'm 5", "explain what a pod is like I'm new"
    re.compile(r"^\s*(?:eli5:?|explain(?:\s+me)?)\s+(?:what\s+)?" + _NAMED + _CONTEXT + r"(?:\s+(?:is|are|does))?"
               r"(?:\s+(?:like|as if|as though)\s+(?:i'?m|i am|to)\b.*|\s*[?.!]*\s*$)", re.I),
    # "API = ?", "MTTR meaning?", "VPC stands for what", "ssh - what even is it?"
    re.compile(r"^\s*" + _NAMED + _CONTEXT + r"(?:\s*=\s*\?+|\s+meaning\s*\?*|\s+stands? for what\b.*"
               r"|\s+-+\s+what(?:\s+even)?\s+(?:is|are)\s+(?:it|they|that)\b.*)\s*$", re.I),
    # what it is for: "why would I use a model registry?", "when do I need git stash?", "why bother with venvs?"
    re.compile(r"(?:^|[,;:]\s*)(?:so\s+|ok\s+|but\s+)?(?:(?:why|when)\s+(?:would|should|do|does|will|did)\s+"
               r"(?:i|we|you|anyone|anybody|people|one|someone)\s+(?:ever\s+|even\s+|actually\s+|really\s+)?"
               r"(?:use|need|want|bother\s+(?:with|using))|why\s+bother\s+(?:with|using))\s+" + _NAMED + _CONTEXT
               + _HEDGE + _END, re.I),
)
# "kubectl?", "pandas dataframe??": a term alone (not "docker or podman?", "is docker needed?")
_BARE = re.compile(r"^\s*(?P<term>[\w./+#-]+(?:\s+[\w./+#-]+)?)\s*\?+\s*$")
_NOT_BARE = frozenset("or vs and is are do does can should will would need needed could".split())
# "I keep hearing about RAG for chatbots, what is it?": the thing was named before the question about "it"
_HEARD_OF = re.compile(r"\b(?:hearing|heard|reading|read|seeing|seen|talking|talk|mentions?)\s+(?:about\s+|of\s+)?"
                       + _NAMED + _CONTEXT + r"\s*[,.;]\s*(?:so\s+)?what\s+(?:is|are|does|do)\s+(?:it|they|that|this)"
                       r"\b[^?]{0,20}\??\s*$", re.I)


# what follows "what is" without naming a thing: "what is it?", "what is next?", "what is wrong with it?"; and a
# bare "why?", "simpler?" or "really?" asks something of the conversation, not what a word means
_NOT_A_THING = frozenset(("it they that this these those there next wrong happening going up left best point "
                          "difference problem issue matter deal why how what when where who which really simpler "
                          "more again and so ok okay then example examples yes no").split())


def asks_what_it_is(question: str) -> str | None:
    """What a "what is X?" question asks to have explained ("pod", "reverse proxy"), or None."""
    sentences = re.split(r"(?<=[.!?])\s+", question.strip())
    # "... add an index. what is an index?"; or a question first, then its story ("what's the point of a registry?
    # we just drop pickles in a bucket")
    asked = [sentences[-1], *(s for s in reversed(sentences[:-1]) if s.endswith("?"))]
    found = [m["term"] for s in asked for pattern in _ASKS_WHAT if (m := pattern.search(s))]
    found += [m["term"] for m in [_HEARD_OF.search(question)] if m]
    found += [m["term"] for m in [_BARE.match(question)] if m and not _NOT_BARE & set(m["term"].lower().split())]
    return next((term for term in found if term.split()[0].lower() not in _NOT_A_THING), None)

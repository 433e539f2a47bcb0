"""The relevance gate: cues that a turn states, changes or retracts a fact about the user.

The gate sits in front of the LLM extractor and favours recall: any cue lets the turn through.
Cues cover who the user is and where they work, what they use and build, their struggles,
level and experience, where they are, their names and languages, how they want answers, and
changes and retractions ("no longer", "scratch that", "we switched to").
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

from langprofile.extraction.detector._tables import role_nouns, self_statement_words
from langprofile.extraction.detector._text import I_AM, STANDING, alternation
from langprofile.extraction.detector.languages import language_fragment

_I = re.IGNORECASE

# A clause-initial "I": not "how do I", "can I", "if I" (questions and conditionals).
_SUBJECT_I: Final = (
    r"(?<!\bdo\s)(?<!\bdid\s)(?<!\bcan\s)(?<!\bcould\s)(?<!\bshould\s)(?<!\bwould\s)"
    r"(?<!\bwill\s)(?<!\bhow\s)(?<!\bshall\s)(?<!\bmay\s)(?<!\bmight\s)(?<!\bmust\s)"
    r"(?<!\bam\s)(?<!\bwhat\s)(?<!\bwhere\s)\b(?:I|we)\b"
)


@cache
def _gate_patterns() -> tuple[re.Pattern[str], ...]:
    lang = language_fragment()
    return tuple(
        re.compile(pattern, _I)
        for pattern in (
            # --- who the user is and where they work: role, organization, domains
            rf"{I_AM}\s+(?:(?:also|actually|currently|now|just|still|basically|more\s+of|kind\s+of"
            r"|sort\s+of)\s+)*(?:a|an|the)\b(?!\s+(?:bit|little|tad|lot)\b)",
            rf"{I_AM}\s+(?:now\s+)?at\s+(?-i:[A-Z])",
            r"\bas\s+an?\s+[\w-]+(?:\s+[\w-]+){0,3}\s*,?\s+(?:I|I'm|my|we)\b",
            r"(?:^|[.!?]\s+)(?:currently|now|formerly|recently)\s+(?:a|an|at|in|working|based)\b",
            r"\bI\s+do\s+(?:\w+\s+){0,2}(?:work|development|research|consulting|design"
            r"|freelanc\w*)\b",
            r"\bmy\s+(?:job|role|position|title|company|employer|workplace|field|major|degree"
            r"|thesis|dissertation|research|startup|project|side\s+project|app|stack|setup"
            r"|day\s+job|background|native|first|main|mother|name|time\s*zone|local\s+time"
            r"|time|city|hometown|level|experience|whole\s+job|work|team|students|class"
            r"|classes|clients|patients|business|language|english|nemesis)\b",
            r"\bour\s+(?:team|company|org|organi[sz]ation|startup|lab|shop|group)\b",
            r"\bat\s+work\b|\bfor\s+context\b|\bby\s+the\s+way\b|\b(?:btw|fyi|fwiw)\b",
            # --- what the user does: tools, projects ("I use", "we run", "I'm building")
            rf"{_SUBJECT_I}\s+(?:(?:mostly|mainly|currently|now|also|still|actually|usually|only"
            r"|primarily|just|all|recently|finally|often)\s+)*(?:work|teach|study|research"
            r"|lecture|freelance|consult|manage|lead|run|use|write|code|program|develop|build"
            r"|deploy|maintain|speak|read|live|reside|moved|relocated|joined|left|quit|switched"
            r"|dropped|migrated|graduated|retired|shipped|launched|finished|started|prefer|hate"
            r"|struggle|always|never|go\s+by|handle|oversee|supervise|coordinate|administer"
            r"|specialize|specialise|grew\s+up)\b",
            rf"{I_AM}\s+(?:(?:currently|now|still|also|actively|actually)\s+)*(?:working|studying"
            r"|teaching|employed|based|located|living|retired|unemployed|self-employed|freelancing"
            r"|pursuing|enrolled|majoring|building|making|developing|writing|creating|designing"
            r"|migrating|porting|rewriting|refactoring|maintaining|running|leading|managing"
            r"|launching|learning|researching|preparing|training|doing|using|handling|organi[sz]ing"
            r"|coordinating|supporting|hosting|responsible|in\s+charge|new|fluent|bilingual|native"
            r"|from|putting\s+together|part\s+of|with\s+(?-i:[A-Z])\w*)\b"
            # "I'm making pasta tonight", "I'm writing an email to my boss" are passing activities
            r"(?![^.!?\n]*\b(?:tonight|today|tomorrow|this\s+(?:morning|afternoon|evening"
            r"|weekend)))(?!(?:(?<=writing)|(?<=making)|(?<=preparing)|(?<=creating)"
            r"|(?<=doing))\s+(?:an?|the|this|my|some)\s+(?:[\w-]+\s+)?(?:e-?mails?|messages?"
            r"|letters?|texts?|repl(?:y|ies)|presentations?|speech|toast|posts?|tweets?|cards?"
            r"|lists?|notes?|cakes?|dinner|lunch|breakfast|pasta|salad|soup|plans?|playlist"
            r"|decision|mistake|calls?|reservation|booking|appointment|budget|resume|cv"
            r"|cover\s+letter)\b)",
            r"\bwe(?:'re|\s+are)\s+(?:a|an|all|mostly|on|using|moving|migrating|switching|building"
            r"|launching|developing|making|working|starting|running)\b",
            r"(?:^|[.!?]\s+)(?:(?:currently|now|still|also)\s+)?(?:working\s+on|building|developing"
            r"|making|writing|learning|studying|teaching|running|managing|leading)\b",
            r"\bI(?:'ve|\s+have)\s+been\s+(?:a|an|working|using|learning|coding|programming"
            r"|teaching|doing|studying|living|writing|building|developing|running|managing"
            r"|leading)\b",
            r"\b(?:our|my)\s+(?:tech\s+)?(?:stack|codebase|setup|infra|infrastructure|pipeline"
            r"|platform|tooling|backend|frontend)\b",
            r"\b(?:right\s+now|these\s+days|lately|currently)\b[^.!?\n]{0,20}\b(?:I|we)\b",
            # "I do payroll for a living", "I mainly do data viz", "I specialize in tax law"
            r"\bfor\s+a\s+living\b|\bday\s+job\b|\bby\s+day\b|\bI\s+(?:mostly|mainly|primarily"
            r"|usually|also|only)\s+do\b|\bI\s+(?:\w+\s+)?speciali[sz]e\s+in\b|\bI\s+focus\s+on\b"
            r"|\bI(?:\s+own|\s+co-?own|\s+co-?founded|\s+founded|\s+started|'ve\s+got"
            r"|\s+have)\s+(?:an?|my\s+own|the)\s+(?:[\w-]+\s+){0,2}(?:business|company|shop|store"
            r"|bakery|restaurant|cafe|café|agency|studio|firm|practice|clinic|salon|startup|brand"
            r"|farm|gym)\b",
            # "Nurse here, quick question", "Freelance photographer here", "Retired teacher, 68"
            r"(?:^|[.!?]\s{1,10})\W{0,10}(?:an?\s+)?(?:(?!(?:is|are|was|were|it|the|this|that|click|tap|what"
            r"|how|why|where|who|stuck|new|not|still|just|I|I'm|im|you|we|they|he"
            r"|she)\b)[\w-]+\s+){1,3}here\b(?=\s*(?:[,.!:;\u2014\u2013-]|$))",
            r"^\W{0,10}(?:retired|former|ex-\w+|freelance|self-employed|semi-retired)\s",
            r"\bmy\s+(?:\w+\s+)?(?:tools?|editor|ide|workflow|languages?|os|laptop\s+setup)\s+(?:is"
            r"|are)\b"
            r"|\b(?:is|are)\s+my\s+(?:whole\s+)?(?:life|jam|thing|bread\s+and\s+butter|specialty"
            r"|speciality|forte)\b",
            # --- struggles
            r"\bmy\s+(?:biggest|main|greatest|constant|eternal|recurring|worst|usual)\s+(?:problem"
            r"|issue"
            r"|challenge|weakness|struggle|pain|headache|fear|blocker)\b|\bkill(?:s|ing)\s+me\b"
            r"|\bI\s+can\s+never\b|\bget(?:ting)?\s+better\s+at\b|\bat\s+this\s+job\b"
            r"|\bmy\s+current\s+job\b",
            r"\b(?:confuses|trips|throws|loses)\s+me\b|\bI\s+(?:really\s+|kinda\s+)?(?:suck"
            r"|stink)\s+at\b|\bI\s+(?:always\s+|still\s+|just\s+)?find\s+[^.!?\n]{1,30}?\b(?:hard"
            r"|difficult|confusing|tricky|painful|overwhelming|intimidating)\b"
            r"|\bnever\s+got\s+the\s+hang\b",
            r"\b(?:headache|nemesis|bane|nightmare|struggl\w*|frustrat\w*|annoy\w*|hate"
            r"|can't\s+stand|drives\s+me|hard\s+for\s+me|difficult\s+for\s+me|trouble\s+with"
            r"|weak\s+spot|always\s+(?:mess|screw|mix|forget|get)|keep\s+(?:messing|forgetting"
            r"|getting)|never\s+(?:remember|understand))\b",
            rf"{I_AM}\s+(?:(?:really|pretty|very|quite|so|not)\s+)*(?:terrible|bad|awful|hopeless"
            r"|weak|rubbish|good|great|decent|comfortable|proficient|competent|not\s+great)"
            r"\s+(?:at|with|in)\b",
            # --- level and experience
            rf"(?:{I_AM}|\bI'd\s+say|\bI\s+consider|\bmyself|\bI\s+(?:would\s+)?call\s+myself)"
            r"[^.!?\n]{0,40}?\b(?:beginner|novice|newbie|noob|intermediate|advanced|expert"
            r"|experienced|amateur)\b",
            r"\b(?:beginner|novice|newbie|noob|amateur)\s+here\b|(?:^|[.!?]\s+)(?:(?:a|total"
            r"|complete|absolute|pretty|very|relative|bit\s+of\s+a)\s+)*(?:beginner|novice|newbie"
            r"|noob)\b",
            r"\bnew\s+to\b|\byears?\s+(?:of\s+)?experience\b|\bfor\s+(?:about\s+|over\s+|almost\s+"
            r"|nearly\s+|around\s+|more\s+than\s+|the\s+(?:last|past)\s+)?(?:\d+|a\s+few|several"
            r"|many|a\s+couple\s+of|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
            r"|fifteen|twenty|thirty)\s+(?:years|decades)\b",
            r"\bI(?:'ve|\s+have)\s+never\s+(?:programmed|coded|used|written|done|worked|studied"
            r"|learned|learnt|touched)\b",
            r"\bself-taught\b|\b(?:\d+|a\s+few|two|three|couple\s+of)\s+(?:years|months"
            r"|weeks)\s+in\b",
            r"\bI\s+know\s+[^.!?\n]{1,30}?\b(?:well|inside\s+out)\b|\bI\s+(?:know|understand)\s+"
            r"(?:nothing|very\s+little|little|a\s+lot|a\s+bit)\s+about\b",
            # --- where the user is
            rf"{I_AM}\s+(?:on|in)\b(?!\s+(?:a|an)\b)",
            r"\b(?:living|based|located)\s+(?:in|out\s+of)\b|\bwhere\s+I\s+(?:live|work|am\s+based"
            r"|'m\s+based)\b|\b(?:work|working)\s+remotely\b|\b(?:flying|heading|going|driving"
            r"|getting|coming)\s+(?:back\s+)?home\b",
            rf"{I_AM}\s+(?:an?\s+)?[\w-]+-based\b",
            # --- names
            r"\bcalls?\s+me\b|\bgo\s+by\b|\baddress\s+me\b|\brefer\s+to\s+me\b|\bname(?:'s|\s+is)\b"
            r"|\bit's\s+(?-i:[A-Z])|\bhere\s*,\s*but\b",
            r"^\W{0,10}(?-i:[A-Z][a-z]+)\s+is\s+fine\W{0,10}$",
            # --- languages
            rf"{lang}(?:'s|\s+is|\s+are)\s+(?:also\s+)?(?:my|fine|ok|okay)\b",
            rf"\b(?:answer|reply|respond|write|talk)\s+(?:to\s+me\s+)?in\s+{lang}",
            # --- how to answer: length, style, code
            r"\b(?:short|shorter|brief|concise|long|longer|detailed|thorough|simple|simpler|simply"
            r"|technical|formal|casual|plain|in-depth|step-by-step|verbose|terse|quick)\s+"
            r"(?:\w+\s+)?(?:answers|replies|responses|explanations|words|language|terms|version)\b",
            r"\b(?:keep|make)\s+(?:your\s+|the\s+|my\s+)?(?:answers|replies|responses|explanations"
            r"|things|it|them)\s+(?:\w+\s+)?(?:short|brief|concise|simple|casual|formal|technical"
            r"|detailed)\b",
            r"\bbe\s+(?:as\s+|more\s+|less\s+|very\s+|super\s+)?(?:technical|formal|casual|brief"
            r"|concise|detailed|direct|blunt)\b",
            r"\b(?:this|that)\s+length\b|\bnot\s+too\s+(?:short|long)\b|\bhold\s+back\b",
            r"\bI(?:'d|\s+would)\s+rather\b|\bbullet\s+points\b|\bskip\s+the\s+(?:pleasantries"
            r"|small\s+talk|fluff|intros?|preamble)\b",
            r"\b(?:answers|replies|responses|explanations)\s+(?:are|were|have\s+been"
            r"|tend\s+to\s+be)\s+(?:too|a\s+bit|way|really|always|often)\b",
            r"\bI\s+(?:really\s+)?(?:like|love|prefer|hate|appreciate)\s+(?:it\s+)?when\s+you\b",
            r"\b(?:talk|speak|write|answer|reply|respond)\s+(?:to\s+me\s+)?(?:more\s+)?(?:casually"
            r"|formally|simply|technically|briefly|concisely|plainly)\b|\bdumb\s+(?:it|things|this)"
            r"\s+down\b|\bjargon\b|\beli5\b|\blayman",
            rf"\bexplain\s+(?:things|everything|stuff)\b|\b{STANDING}\b",
            r"\bcode\s+(?:examples?|snippets?|samples?)\b|\b(?:skip|no|without)\s+(?:the\s+)?code\b"
            r"|\bdon't\s+(?:need|want|show|include)\s+(?:any\s+)?code\b",
            # --- changes and retractions
            r"\b(?:update|correction)\s*:|\b(?:anymore|any\s+more|scratch\s+that|no\s+longer"
            r"|forget\s+what\s+I\s+said|ignore\s+what\s+I\s+said|I\s+misspoke|I\s+meant)\b",
            r"\b(?:we|I)\s+(?:just\s+)?(?:dropped|switched|migrated|moved)\b",
            r"\b(?:got\s+(?:hired|promoted|a\s+job)|landed\s+a\s+job|new\s+job|switched\s+jobs"
            r"|changed\s+jobs)\b",
        )
    )


_NUMBER: Final = (
    r"(?:\d+|a\s+few|a\s+couple\s+of|several|many|one|two|three|four|five|six|seven|eight|nine"
    r"|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty"
    r"|thirty|forty)(?:\s*\+|-plus|-odd|\s+plus)?"
)


@cache
def _said_in_passing() -> tuple[re.Pattern[str], ...]:
    """Facts people give without "I am": titles, experience, complaints, indirect requests."""
    role = rf"(?:{alternation(role_nouns())})s?"
    return tuple(
        re.compile(pattern, _I | re.MULTILINE)
        for pattern in (
            # "staff sre, platform team at datadog", "Data scientist on the pricing team at X",
            # "Head of growth at a fintech", "3rd-year PhD in linguistics here"
            r"(?:^|[.!?]\s{1,10}|\n)[^\w\n]{0,10}(?:(?:hi|hey|hello|ok|okay|so)\b[\s,!]{0,5})?"
            r"(?:an?\s+)?"
            rf"(?:[\w/&+-]+\s+){{0,3}}{role}\b\s*(?:[,(\u2014\u2013:-]|\b(?:at|on|in|for|here"
            r"|with|by\s+(?:day|trade)|myself|turned)\b)",
            r"(?:^|[.!?]\s{1,10}|\n)[^\w\n]{0,10}(?:\d+(?:st|nd|rd|th)-year\s+)?phd\b|\bhead\s+of\s+\w+",
            rf"\b(?:ex-|former\s+)[\w-]+|\b{role}\s+turned\b|\bturned\s+(?:an?\s+)?[\w-]+\s*$",
            # "twelve-odd years of Java behind me", "ten yrs nursing", "22 years driving trucks"
            rf"\b{_NUMBER}[\s-]+(?:years?|yrs|decades?)\s+(?:of|in|as|at|behind|doing|writing"
            r"|working|running|teaching|driving|nursing|coding|programming|building)\b",
            rf"\b{_NUMBER}[\s-]+(?:years?|yrs)\s+[\w-]+(?:\s*[,.+&]|\s+(?:and|mostly|now)\b)",
            # recurring struggles voiced as complaints
            r"\bevery\s+(?:single\s+)?(?:time|day|week|month|night|morning|evening|release"
            r"|project|sprint|quarter|shift|go-live|month-end|year)\b|\bdaily\s+(?:tax|pain"
            r"|struggle|battle)\b",
            r"\b(?:ugh+|argh+|sigh)\b|\bagain\s*[.!?]*\s*$|\bAGAIN\b"
            r"|\bnever\s+(?:clicks?|makes?\s+sense|sticks?|works?)\b"
            r"|\b(?:burned|burnt|bitten|bites|bit|killing|haunts?|haunting)\s+me\b"
            r"|\b(?:for\s+years|soul-destroying|in\s+tears|the\s+worst\s+part|nightmare"
            r"|(?:a|the)\s+bane|my\s+kryptonite|kills?\s+me)\b"
            r"|\bkeeps?\s+(?:\w+ing|eating|breaking|crashing)\b|\bthis\s+happens\b",
            # answer style asked for indirectly or formally
            r"\bwalls?\s+of\s+text\b|\bbullets?\b|\bessays?\b|\bone-liners?\b"
            r"|\b(?:in\s+general|generally|going\s+forward|from\s+now\s+on|as\s+a\s+rule"
            r"|by\s+default|for\s+future\s+reference|just\s+so\s+you\s+know|in\s+future"
            r"|whenever\s+(?:it|you|possible)|wherever\s+(?:it|possible))\b"
            r"|\b(?:suits?|works?\s+(?:best\s+)?for)\s+me\b|\bmy\s+brain\b"
            r"|\bI\s+(?:\w+\s+)?(?:learn|understand|absorb|read|digest|follow)\s+(?:stuff|things"
            r"|it|best|better|faster|by)\b|\bkindly\b|\bgrateful\b|\bregister\b"
            r"|\bkeep\s+doing\s+that\b|\bsnippets?\b|\bregardless\b",
            # corrections and retractions
            r"\b(?:corrections?|typo|scratch|wishful\s+thinking|change\s+of\s+plans?|take\s+"
            r"(?:it|that|them)\s+off|killed|not\s+\w+\s+any\s*more|before\s+you\s+remember)\b",
        )
    )


@cache
def _own_text() -> re.Pattern[str]:
    """A text about the writer they want written or edited: their bio, signature, letter."""
    return re.compile(
        r"\b(?:my|our)\s+(?:own\s+|new\s+|current\s+|short\s+)?(?:bio|intro\w*|cv|resume"
        r"|résumé|linkedin|headline|profile|signature|cover\s+letter|letter|e-?mail|message"
        r"|post|about(?:\s+me)?|faculty\s+page|page|badge|card|pitch|statement|abstract"
        r"|application|summary|blurb|tagline|current\s+job)\b"
        r"|\bsign(?:ed)?\s+(?:it|off|the\s+\w+)\b|\bclose\s+(?:the|my)\s+(?:letter|e-?mail"
        r"|message)\b|\bbefore\s+I\s+send\b|\band\s+now\s+mine\b|\bfor\s+my\s+own\b",
        _I,
    )


_WORD: Final = re.compile(r"[^\W\d_]+")
# Scripts written without spaces: a few cues read as substrings ("I live", "I work", "from now
# on", "I", "please keep it short").
_CJK_CUES: Final = (
    "私",
    "僕",
    "俺",
    "住んで",
    "働いて",
    "勤めて",
    "しています",
    "これからは",
    "今後",
)


def _speaks_of_self(text: str) -> bool:
    words = self_statement_words()
    if any(match.group().casefold() in words for match in _WORD.finditer(text)):
        return True
    return any(cue in text for cue in _CJK_CUES)


def gate_hits(text: str, raw: str | None = None) -> bool:
    """Whether any gate cue appears in the cleaned ``text`` (``raw``: the turn before cleaning,
    where a quoted text the user calls their own is still visible)."""
    return (
        any(pattern.search(text) for pattern in _gate_patterns())
        or any(pattern.search(text) for pattern in _said_in_passing())
        or _speaks_of_self(text)
        or (raw is not None and _own_text().search(raw) is not None)
    )

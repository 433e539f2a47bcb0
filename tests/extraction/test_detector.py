"""Tests for the offline signal detector and its scoring on the labelled eval conversations."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from zoneinfo import available_timezones

import pytest

from langprofile.extraction.detector import DIRECT_FIELDS, SignalDetector
from langprofile.schema import UserProfile


@pytest.fixture(scope="module")
def detector() -> SignalDetector:
    return SignalDetector()


@pytest.fixture(scope="module")
def scoring(load_benchmark: Callable[[str], ModuleType]) -> ModuleType:
    return load_benchmark("detector_eval")


# --------------------------------------------------------------------------------------------
# One rule at a time
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello! My name's Priya and I'm a data analyst.", "Priya"),
        ("Hey there, I'm Jo.", "Jo"),
        ("I am João Silva, from Porto.", "João Silva"),
        ("hiya, im Bartholomew Reyes. quick question", "Bartholomew Reyes"),
        ("I'm Ahmed al-Farsi, nice to meet you", "Ahmed al-Farsi"),
        ("Hi, I'm Jean-Luc Picard", "Jean-Luc Picard"),
        ("Good morning, this is Ingrid Dahl.", "Ingrid Dahl"),
        ("Hello there! Tomasz Wiśniewski here, nice to meet you.", "Tomasz Wiśniewski"),
        ("Oops, typo: it's Zoë Martin, with the dots.", "Zoë Martin"),
        ("Put my full name: Ngozi Adeyemi on the form.", "Ngozi Adeyemi"),
        ("What does my name, Ayesha, mean?", "Ayesha"),
        ("name's Dmitri Volkov, I run the data team.", "Dmitri Volkov"),
        ("This is Priyanka Rao from Infosys. Quick question.", "Priyanka Rao"),
        ("It's Dan, the new intern.", "Dan"),
        ("Morning! Lars Eriksen, data analyst at Equinor.", "Lars Eriksen"),
        ("Oops, it's Zoë, with the dots. Zoë Papadopoulos.", "Zoë Papadopoulos"),
        ("It's Tomás. Tomás Herrera.", "Tomás Herrera"),
        ("I'm Sasha these days, long story.", "Sasha"),
    ],
)
def test_name(detector: SignalDetector, text: str, expected: str) -> None:
    assert detector.detect(text)["name"] == expected


@pytest.mark.parametrize(
    "text",
    [
        "I'm tired of this bug, can you help?",
        "I'm Building a house and need a budget.",
        "I'm Irish-Canadian, does that matter for citizenship?",
        "I'm Vegan, suggest recipes.",
        "I'm Sorry, I Didn't Mean That.",
        "I'm Spotify's biggest fan.",
        "Hi, it's Friday! Any weekend ideas?",
        "Hey, Quick Question here: how do I sort?",
        "Hi, Data Scientist here, quick question about pandas.",
        "My name field keeps failing validation.",
        "My dog's name is Biscuit.",
        "I'm Dr. Patel.",
        "This is Kafka at scale, any tips?",
        "It's Chrome, with the new update. Why so slow?",
        "Beginner here? No, I've been coding since 2010.",
        "Morning! Big Ben, the clock in London, is being repaired.",
        "Do you remember what my name is?",
    ],
)
def test_capitalized_words_that_are_not_names(detector: SignalDetector, text: str) -> None:
    assert "name" not in detector.detect(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call me Liz.", "Liz"),
        ("You can call me Max.", "Max"),
        ("My friends call me Bobby, you can too.", "Bobby"),
        ("I'm Theodore, but I go by Teddy.", "Teddy"),
        ("Magdalena Kowalczyk here, but Magda is fine.", "Magda"),
        ("I'm Alexandra, or Sasha for short.", "Sasha"),
    ],
)
def test_preferred_name(detector: SignalDetector, text: str, expected: str) -> None:
    assert detector.detect(text)["preferred_name"] == expected


@pytest.mark.parametrize(
    ("text", "name", "preferred"),
    [
        ("hi im jean-luc moreau, im a sous-chef", "Jean-Luc Moreau", None),
        ("hello! my name is ana lucía gómez but you can call me lu", "Ana Lucía Gómez", "Lu"),
        ("my name's conor o'sullivan", "Conor O'Sullivan", None),
        ("you can call me mo", None, "Mo"),
    ],
)
def test_names_typed_in_lower_case(
    detector: SignalDetector, text: str, name: str | None, preferred: str | None
) -> None:
    found = detector.detect(text)
    assert found.get("name") == name
    assert found.get("preferred_name") == preferred


@pytest.mark.parametrize(
    "text",
    [
        "hi im starving, what should i cook tonight",
        "hey im nervous about my exam",
        "hi im new here",
        "call me later",
        "my name is misspelled on my diploma",
        "My Name is on the lease.",  # capitals: lower-case names are not looked for
        "Hi im stuck, help",
    ],
)
def test_lower_case_words_that_are_not_names(detector: SignalDetector, text: str) -> None:
    found = detector.detect(text)
    assert "name" not in found
    assert "preferred_name" not in found


@pytest.mark.parametrize(
    "text",
    [
        "Please don't call me Robert.",
        "Call me Crazy, but I think tabs are better.",
        "Please call me back tomorrow.",
        "Magda is fine.",  # "X is fine" only counts when the turn also gives a name
    ],
)
def test_not_a_preferred_name(detector: SignalDetector, text: str) -> None:
    assert "preferred_name" not in detector.detect(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm a native Spanish speaker.", ["Spanish"]),
        ("I speak fluent German and some French.", ["German", "French"]),
        ("My mother tongue is Hindi.", ["Hindi"]),
        ("Swahili is my first language and English my second.", ["Swahili"]),
        ("Greek and Italian are my main languages.", ["Greek", "Italian"]),
        ("Please reply in Dutch from now on.", ["Dutch"]),
        ("I can read Russian but I can't speak it.", ["Russian"]),
        ("My Japanese is rusty.", ["Japanese"]),
        ("I'm fluent in Farsi.", ["Persian"]),
        (
            "Polish is my mother tongue; Czech or Slovak are fine too.",
            ["Polish", "Czech", "Slovak"],
        ),
        ("Native speaker of Polish here, my English is so-so.", ["Polish", "English"]),
        ("Intermediate-level Spanish speaker here.", ["Spanish"]),
        ("I'm fluent in German and Dutch and get by in English.", ["German", "Dutch", "English"]),
        ("I know a little Italian.", ["Italian"]),
        ("I grew up speaking Tagalog and English.", ["Tagalog", "English"]),
        ("Please reply in English only, even if I write in Spanish.", ["English"]),
    ],
)
def test_languages(detector: SignalDetector, text: str, expected: list[str]) -> None:
    assert detector.detect(text)["languages"] == expected


@pytest.mark.parametrize(
    "text",
    [
        "My wife is a native Spanish speaker.",
        "I know some French people who live here.",
        "Reply in Spanish only to this customer email.",
        "Write the reply in German only.",
        "My dad grew up speaking Welsh.",
    ],
)
def test_no_languages(detector: SignalDetector, text: str) -> None:
    assert "languages" not in detector.detect(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I live in Paris, France.", "Europe/Paris"),
        ("i live in toronto", "America/Toronto"),
        ("I live in Sao Paulo", "America/Sao_Paulo"),
        ("I live in the Bay Area.", "America/Los_Angeles"),
        ("I'm from Mumbai but I live in London now.", "Europe/London"),
        ("I'm a teacher in Porto.", "Europe/Lisbon"),
        ("I'm Mark, and I work as a nurse in Leeds.", "Europe/London"),
        ("I work at a hospital in Melbourne.", "Australia/Melbourne"),
        ("I'm a pharmacist at a small clinic in Kyoto.", "Asia/Tokyo"),
        ("I just moved to Austin!", "America/Chicago"),
        ("I don't live in Paris anymore, I moved to Lyon.", "Europe/Paris"),
        ("I'm flying out of Lagos, where I live.", "Africa/Lagos"),
        ("i'm based in Dubai", "Asia/Dubai"),
        ("I'm on Pacific time.", "America/Los_Angeles"),
        ("I'm in PST, so mornings are hard.", "America/Los_Angeles"),
        ("I'm on US Central time for now.", "America/Chicago"),
        ("my timezone is Europe/Berlin", "Europe/Berlin"),
        ("my time zone is america/new_york", "America/New_York"),
        ("I live and work in Cape Town.", "Africa/Johannesburg"),
        ("I live in Washington, D.C.", "America/New_York"),
        ("Quick context: I work remotely from Tallinn.", "Europe/Tallinn"),
        ("I'm a Berlin-based UX designer.", "Europe/Berlin"),
        ("I've been living in Seoul since 2019.", "Asia/Seoul"),
        ("How bad is the jet lag flying back home to Atlanta?", "America/New_York"),
        ("Please give all times in UK time, that's where I live.", "Europe/London"),
        ("my mom lives in Manila but im in Toronto, whats the time diff", "America/Toronto"),
        ("Our team is in Kyiv. I'm in Denver. What overlap do we have?", "America/Denver"),
        ("I manage a bookshop in Galway.", "Europe/Dublin"),
        ("Morning! Lars Eriksen, data analyst at Equinor in Stavanger.", "Europe/Oslo"),
    ],
)
def test_timezone(detector: SignalDetector, text: str, expected: str) -> None:
    assert detector.detect(text)["timezone"] == expected


@pytest.mark.parametrize(
    "text",
    [
        "I used to live in Boston.",
        "I'm moving to Berlin next month.",
        "Our office is in Berlin.",
        "I work with a team in Berlin.",
        "I work remotely for a company in London.",
        "I'm a huge fan of the food in Paris.",
        "I'm a guest at a hotel in Lisbon, where should I eat?",
        "I'm stuck at the airport in Frankfurt.",
        "I'm in Paris this week for work.",
        "I'm a consultant for a bank in Zurich, flying there weekly.",
        "I'm on CET.",  # several zones share it
        "I live in Portland.",  # a city in two zones
        "my timezone is Mars/Olympus_Mons",
        "I'm in Paris, where should I eat?",
        "I'm in Rome! Any must-see spots?",
        "Right now I'm in Berlin. Any bars open late?",
        "I'm in Tokyo visiting friends.",
        "I've lived in Paris, London and Tokyo.",
        "Give me the times in Japan time for my client's meeting.",
        "My wife is a Berlin-based designer.",
        "I'm writing a story about a baker who lives in Lyon.",
    ],
)
def test_no_timezone(detector: SignalDetector, text: str) -> None:
    assert "timezone" not in detector.detect(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Keep your answers brief.", "concise"),
        ("I prefer short answers.", "concise"),
        ("Short answers please.", "concise"),
        ("Pls keep replies short from now on", "concise"),
        ("No long explanations, please.", "concise"),
        ("Give me detailed answers from now on.", "detailed"),
        ("I really appreciate thorough explanations.", "detailed"),
        ("I like long, detailed explanations.", "detailed"),
        ("The more detail the better.", "detailed"),
        ("Perfect, not too long and not too short.", "balanced"),
        ("This length is perfect.", "balanced"),
        ("keep it brief in general, I skim everything", "concise"),
        ("Could you stop writing essays? Two or three sentences is plenty for me.", "concise"),
        ("I hate long answers, keep it tight.", "concise"),
        ("Tbh I prefer bullet points and short replies.", "concise"),
        ("Medium-length answers work best for me.", "balanced"),
        ("Long detailed answers are best for me.", "detailed"),
        ("Prefer longer, in-depth answers like that one.", "detailed"),
    ],
)
def test_response_length(detector: SignalDetector, text: str, expected: str) -> None:
    assert detector.detect(text)["response_length"] == expected


@pytest.mark.parametrize(
    "text",
    [
        "Long answers are best for essay questions, right?",
        "Stop writing essays in the comments, my teacher said.",
        "Two sentences is plenty for the abstract.",
        "I hate long meetings.",
        "Keep it brief.",  # could be this answer only
    ],
)
def test_no_response_length(detector: SignalDetector, text: str) -> None:
    assert "response_length" not in detector.detect(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm a beginner at SQL.", "beginner"),
        ("I'm fairly new to Kubernetes.", "beginner"),
        ("im a complete noob with Linux", "beginner"),
        ("I've just started learning Go.", "beginner"),
        ("I'd say I'm intermediate with SQL.", "intermediate"),
        ("Not a beginner, I'm intermediate.", "intermediate"),
        ("I'm quite advanced in Excel.", "advanced"),
        ("I'm an expert in Rust.", "expert"),
        ("I have 20 years of experience in finance.", "expert"),
        ("I've been building embedded firmware for over a decade.", "expert"),
        ("I'd consider myself pretty advanced with Kubernetes.", "advanced"),
        ("I'm somewhere in the middle with Rust.", "intermediate"),
        ("also im a begginer at cooking", "beginner"),
        ("I'm 70 and new to smartphones.", "beginner"),
        ("Total beginner here.", "beginner"),
        ("This is my first time using Docker.", "beginner"),
        ("I've never programmed before.", "beginner"),
        ("I know Postgres inside out.", "expert"),
        ("I'm a DBA, I've been a DBA for 12 years.", "expert"),
        ("I'm a senior dev, been doing Java professionally for over a decade.", "expert"),
    ],
)
def test_expertise_level(detector: SignalDetector, text: str, expected: str) -> None:
    assert detector.detect(text)["expertise_level"] == expected


@pytest.mark.parametrize(
    "text",
    [
        "I've been coding for 3 years.",
        "I have been working on this bug for 12 hours.",
        "I'm new here, hi!",
        "I'm new to this city.",
        "I'm new to Berlin, what should I see?",
        "I'm a senior engineer.",  # never inferred from a title
        "I'm intermediate? What does that even mean on this test?",
        "Explain recursion for a beginner.",
        "I've been a vegetarian for 15 years.",
        "I've been a Spotify user for 12 years.",
        "I'm a beginner's mind kind of person.",
        "I know it inside out? Not really.",
        "I've never programmed a VCR lol",
        "My son is a total beginner at chess.",
    ],
)
def test_no_expertise_level(detector: SignalDetector, text: str) -> None:
    assert "expertise_level" not in detector.detect(text)


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("I prefer a casual tone.", "communication_style", "casual"),
        ("I'd appreciate formal responses.", "communication_style", "formal"),
        ("Feel free to get technical.", "communication_style", "technical"),
        ("Please explain things simply, I'm not a techie.", "communication_style", "simplified"),
        ("Always show code examples.", "prefers_code_examples", True),
        ("I love code snippets, they help a lot.", "prefers_code_examples", True),
        ("No code please, just explain the idea.", "prefers_code_examples", False),
        ("I don't need code examples, thanks.", "prefers_code_examples", False),
        ("Keep your answers casual, we're informal here.", "communication_style", "casual"),
        ("pls talk to me like a normal person, not a textbook", "communication_style", "casual"),
        ("I would prefer that you address me formally.", "communication_style", "formal"),
        ("Kindly respond in a formal manner.", "communication_style", "formal"),
        ("Keep it professional and formal in all your replies.", "communication_style", "formal"),
        ("Just explain things in plain terms.", "communication_style", "simplified"),
        ("Please keep explanations simple and avoid jargon.", "communication_style", "simplified"),
        ("Don't simplify anything; give me the details.", "communication_style", "technical"),
        ("Can you always include a small code example?", "prefers_code_examples", True),
        ("Whenever you explain something, show me a code snippet.", "prefers_code_examples", True),
        ("I'm a CTO so I don't need code snippets.", "prefers_code_examples", False),
        ("Please avoid code in your answers.", "prefers_code_examples", False),
    ],
)
def test_style_and_code_preferences(
    detector: SignalDetector, text: str, field: str, expected: object
) -> None:
    assert detector.detect(text)[field] == expected


@pytest.mark.parametrize(
    "text",
    [
        "Make the tone more formal.",
        "Rewrite this in a more formal tone.",
        "Respond to this email in a formal manner.",
        "No need to be formal in the invite.",
        "Avoid jargon in the press release.",
        "Don't simplify the fraction.",
        "Always include code examples in the docs you write for my team.",
        "Why does this code example always crash?",
        "I don't need code reviews to be long.",
        "Talk to me like a pirate!",
    ],
)
def test_requests_about_other_content_are_no_preference(
    detector: SignalDetector, text: str
) -> None:
    found = detector.detect(text)
    assert "communication_style" not in found
    assert "prefers_code_examples" not in found


# --------------------------------------------------------------------------------------------
# Traps: material that looks like a fact about the user but is not one
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("other_person", "My daughter Emma is 7 and loves dinosaurs."),
        ("other_person", "My colleague Jin is based in Seoul and speaks Korean."),
        ("other_person", "My husband is a beginner at chess."),
        ("other_person", "My sister lives in Osaka."),
        ("other_person", "She's a native French speaker, I need to email her."),
        ("travel_city", "I'm visiting Paris next week, any tips?"),
        ("travel_city", "Flying to Sydney tomorrow, what should I pack?"),
        ("roleplay", "Aye aye, captain! My name is Sparrow and I live in Tortuga."),
        ("roleplay", "*bows* I am Lady Ashford of Winterfell."),
        ("roleplay", "Let's role-play: you're a barista and I'm Tom, a regular."),
        ("question", "Is Jordan a boy's name or a girl's name?"),
        ("question", "What time is it in Tokyo right now?"),
        ("hypothetical", "If I moved to Berlin, what would rent cost?"),
        ("hypothetical", "Say I moved to Paris, what would I pay in tax?"),
        ("hypothetical", "Assume I'm a beginner and explain monads."),
        ("code_string", "```\nname = 'Bob'\ncity = 'Paris'\n```\nwhy does this fail"),
        ("code_string", "Run `SELECT name FROM users WHERE city = 'Oslo'` for me"),
        ("code_string", "insert into people (name) values ('Carla Mendes'); fails, why?"),
        ("quoted", 'Reply to this: "Hi, I\'m Greta Lind from Volvo in Gothenburg."'),
        ("quoted", "This email says:\nHi, I'm Greta Lind, head of sales.\nHow to answer?"),
        ("quoted", "My coworker wrote: I'm Sam from IT, reset your password. Phishing?"),
        ("quoted", "> I'm Dana and I live in Oslo\nwhat does this quote mean?"),
        ("assistant_name", "Can I call you Nova?"),
        ("assistant_name", "I'll call you Jarvis from now on."),
        ("translation", "How do you say I live in Madrid in Spanish?"),
        ("translation", "Translate my name is Tom into German"),
        ("fiction", "Write a poem about a girl named Rosa who lives in Lima."),
        ("fiction", "My character is a wizard named Elric who lives in Oslo."),
        ("negation", "I'm not an expert, but I think the bug is in the loop."),
        ("negation", "I don't speak Spanish at all."),
        ("one_off", "Just give me short answers for now."),
        ("one_off", "Short answer this time."),
        ("one_off", "Keep the answers short in this quiz you generate."),
        ("one_off", "Give me three short answers to these."),
        ("temporary", "I'm exhausted today."),
        ("aspiration", "I'm thinking about moving to Lisbon someday."),
        ("aspiration", "I hope to be fluent in Spanish one day."),
        ("roleplay", "Let's do a mock support call. You're an angry customer and I'm Dave."),
        ("roleplay", "Hello, this is Dave from Comcast support, how can I help you today?"),
        ("roleplay", "Can you act as my tutor? I'm Mike and I live in Madrid."),
        ("assistant_name", "Your name is Nova now. Nova, tell me a joke."),
        ("assistant_name", "From now on I'll call you Jarvis. Cool?"),
        ("question", "Do you remember what my name is?"),
        ("other_person", "My husband is fluent in Italian."),
    ],
)
def test_traps_yield_nothing(detector: SignalDetector, kind: str, text: str) -> None:
    assert detector.detect(text) == {}, kind


def test_trap_next_to_a_real_fact_keeps_the_fact(detector: SignalDetector) -> None:
    text = "I'm a nurse in Leeds. My brother lives in Perth and speaks Welsh."
    assert detector.detect(text) == {"timezone": "Europe/London"}
    text = "I'm a product owner, not a developer, so skip the code and explain concepts."
    assert detector.detect(text) == {"prefers_code_examples": False}
    text = "Hi Nova! I'm Benedikt, by the way."
    assert detector.detect(text) == {"name": "Benedikt"}


# --------------------------------------------------------------------------------------------
# The gate
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I teach middle school math.",
        "As a freelance translator, I need quick glossaries.",
        "I'm the head of marketing at a small agency.",
        "Currently a junior dev at a fintech startup.",
        "Just got hired at a bank!",
        "We mostly use AWS Lambda and DynamoDB.",
        "I do backend work in Elixir.",
        "I'm building a Discord bot for my guild.",
        "Working on a mobile app for my church.",
        "My thesis is on climate migration.",
        "Git merges are my worst nightmare.",
        "I can never remember regex syntax.",
        "I'm terrible with dates in JavaScript.",
        "Scratch that, I'm not at that company anymore.",
        "I don't use Java anymore.",
        "Been doing data science for about 12 years.",
        "I've never programmed before.",
        "Don't dumb things down for me.",
        "Please talk to me casually.",
        "Your answers are too long.",
        "It's Jenna btw",
        "Magda is fine.",
        "I do payroll for a living.",
        "CSS grid confuses me every time.",
        "I find async code really confusing.",
        "Nurse here, quick question about dosing.",
        "Retired teacher, 68, learning to use an iPad.",
        "I'm writing a novel about my grandmother.",
        "I own a bakery.",
        "I specialize in tax law.",
        "I'm with Deloitte, in the audit team.",
        "My biggest problem is time management.",
        "Been a welder for six years.",
        "I'd rather have bullet points than paragraphs.",
        "Please address me as Ms. Ortiz.",
    ],
)
def test_gate_lets_through_statements_about_the_user(detector: SignalDetector, text: str) -> None:
    assert detector.is_relevant(text)


@pytest.mark.parametrize(
    "text",
    [
        "What's the capital of Australia?",
        "How do I reverse a list in Python?",
        "Can you make it shorter?",
        "I'm a bit confused about closures.",
        "I'm making pasta tonight, any sauce ideas?",
        "I'm going to Berlin next month, what should I pack?",
        "My mom is a nurse and works nights, how can I help her sleep?",
        "Can I use React with Django?",
        "My husband is a beginner at chess.",
        "What's the best way to learn Spanish?",
        "Aye, captain! My name is Sparrow.",
        "Write a story where the hero says he lives in Rome.",
        "If I were an expert, how would I approach this?",
        "Can I call you Sunny?",
        "Call me crazy, but is pineapple on pizza good?",
        "I'm writing an email to my boss, can you check the tone?",
        "I'm making a presentation about climate change.",
        "The error is here.",
        "Is a Python-based tool fine for this?",
        "Paris is home to the Louvre, right?",
    ],
)
def test_gate_holds_back_other_turns(detector: SignalDetector, text: str) -> None:
    assert not detector.is_relevant(text)


def test_whatever_detect_finds_passes_the_gate(detector: SignalDetector) -> None:
    assert detector.detect("Magdalena here, but Magda is fine.")
    assert detector.is_relevant("Magdalena here, but Magda is fine.")


# --------------------------------------------------------------------------------------------
# Output contract
# --------------------------------------------------------------------------------------------


def test_output_fits_the_profile_schema(detector: SignalDetector) -> None:
    text = (
        "Hi, I'm Kenji Mori, call me Ken. I live in Sapporo and I speak Japanese and Korean. "
        "I'm new to Rust. Keep your answers short, always include code examples, and I'd "
        "appreciate formal responses."
    )
    found = detector.detect(text)
    assert found == {
        "name": "Kenji Mori",
        "preferred_name": "Ken",
        "languages": ["Japanese", "Korean"],
        "timezone": "Asia/Tokyo",
        "response_length": "concise",
        "expertise_level": "beginner",
        "communication_style": "formal",
        "prefers_code_examples": True,
    }
    assert set(found) <= set(DIRECT_FIELDS) == set(SignalDetector.fields)
    UserProfile.model_validate(found)


def test_every_zone_in_the_tables_loads() -> None:
    from langprofile.extraction.detector import places as module

    zones = {
        *module._CITY_ZONES.values(),
        *module._ZONE_PHRASE_ZONES.values(),
        *module._ZONE_ABBREVIATION_ZONES.values(),
    }
    assert zones <= available_timezones()
    assert len(module._CITY_ZONES) >= 150


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "?!", "🙂" * 50, "a" * 20_000])
def test_odd_input_is_harmless(detector: SignalDetector, text: str) -> None:
    assert detector.detect(text) == {}
    assert detector.is_relevant(text) is False


# --------------------------------------------------------------------------------------------
# Scoring on the labelled conversations
# --------------------------------------------------------------------------------------------


def test_fold_follows_the_readme(scoring: ModuleType) -> None:
    folded = scoring.fold(
        [
            {"name": "Ana", "languages": ["Spanish"]},
            {"languages": ["spanish", "English"], "timezone": "Europe/Madrid"},
            {"name": "Ana Ruiz"},
        ]
    )
    assert folded == {
        "name": "Ana Ruiz",
        "languages": ["Spanish", "English"],
        "timezone": "Europe/Madrid",
    }


def test_units_split_lists_and_normalize_strings(scoring: ModuleType) -> None:
    units = scoring.units(
        {"name": "  Ana   Ruiz ", "languages": ["Spanish", "English"], "timezone": "UTC"},
        ["name", "languages", "timezone"],
    )
    assert units == {
        ("name", "ana ruiz"),
        ("languages", "spanish"),
        ("languages", "english"),
        ("timezone", "UTC"),
    }


def test_script_reports_a_missing_eval_file(
    scoring: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert scoring.main(["--eval", str(tmp_path / "missing.jsonl")]) == 2
    assert "eval file not found" in capsys.readouterr().err


def test_score_on_the_eval_set(scoring: ModuleType, detector: SignalDetector) -> None:
    path = scoring.eval_path(None)
    if not path.is_file():
        # CI always has ../shared/eval beside the checkout: there a missing file is a failure.
        if os.environ.get("CI"):
            pytest.fail(f"eval file not found: {path}")
        pytest.skip(f"eval file not found: {path}")
    report = scoring.score(scoring.load(path), detector)
    assert report.extraction.precision >= 0.95, scoring.render(report, verbose=True)
    assert report.gate.recall >= 0.95, scoring.render(report, verbose=True)
    # the gate exists to skip most turns
    assert report.gated / report.turns <= 0.5


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "text",
    [
        "see below" + "\n" * 4000 + "thanks",
        '"' * 16000,
        " " * 16000,
        "!" * 16000,
        ". " * 8000,
        "'" * 16000,
        "`" * 16000,
        "I am a " * 2300,
        "my " * 5300,
    ],
    ids=["newlines", "quotes", "spaces", "bangs", "dots", "apostrophes", "backticks", "i-am", "my"],
)
def test_no_input_makes_the_rules_super_linear(detector: SignalDetector, text: str) -> None:
    """Every repetition in the rules is bounded: these took seconds to minutes before, holding
    the GIL (and so every thread of the process) all along. Timings: benchmarks/."""
    found = detector.assess(text)
    assert found.facts == {}


@pytest.mark.parametrize(
    ("text", "retracts", "facts"),
    [
        ("I don't speak German anymore.", {"languages": ["German"]}, {}),
        ("Ich spreche kein Deutsch mehr", {"languages": ["German"]}, {}),
        ("My German is gone, I've forgotten it all", {"languages": ["German"]}, {}),
        ("Je n'habite plus à Berlin", {"timezone": "Europe/Berlin"}, {}),
        ("Ich wohne nicht mehr in Berlin", {"timezone": "Europe/Berlin"}, {}),
        ("I moved from Berlin to Tokyo", {"timezone": "Europe/Berlin"}, {"timezone": "Asia/Tokyo"}),
        ("No need to keep answers short anymore", {"response_length": "concise"}, {}),
        ("Actually, longer answers are fine now", {"response_length": "concise"}, {}),
        ("You don't have to be brief anymore", {"response_length": "concise"}, {}),
        ("Please don't call me Sam anymore, call me Samuel", {"preferred_name": "Sam"}, {}),
    ],
)
def test_retractions_of_direct_fields(
    detector: SignalDetector, text: str, retracts: dict[str, object], facts: dict[str, object]
) -> None:
    found = detector.assess(text)
    assert found.retracts == retracts
    assert {k: v for k, v in found.facts.items() if k != "preferred_name"} == facts
    assert found.relevant


def test_a_retraction_never_leaves_the_old_value_with_rules_only() -> None:
    from langgraph.store.memory import InMemoryStore

    from langprofile import ProfileLearner, ProfileStore

    profiles = ProfileStore(InMemoryStore())
    learner = ProfileLearner(profiles, mode="manual")
    learner.learn(
        "ann",
        [("user", "I speak German and French. I live in Berlin. In general keep answers short.")],
    )
    record = profiles.get("ann")
    assert (record.profile.languages, record.profile.timezone) == (
        ["German", "French"],
        "Europe/Berlin",
    )
    assert record.profile.response_length == "concise"
    learner.learn("ann", [("user", "Ich spreche kein Deutsch mehr.")])
    learner.learn("ann", [("user", "I moved from Berlin to Tokyo last month.")])
    learner.learn("ann", [("user", "Longer answers are fine now.")])
    record = profiles.get("ann")
    assert record.profile.languages == ["French"]
    assert record.profile.timezone == "Asia/Tokyo"
    assert record.profile.response_length is None

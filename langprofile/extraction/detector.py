"""Offline, rule-based detection of profile facts in one user turn.

``SignalDetector`` runs precompiled regular expressions over a single user message. It has two
jobs:

- ``detect`` returns the few fields it can read with high precision (names, languages, timezone
  and answer preferences), normalized like :class:`langprofile.schema.UserProfile` stores them;
- ``is_relevant`` is the cheap gate in front of the LLM extractor: it says whether the turn
  probably states, changes or retracts any profile fact about the user, and favours recall.

Both look at one turn only, need no network and no model, and use the standard library only.
Before any rule runs, the text is cleaned so that rules never see material that is not a
statement about the user: code blocks, inline code, code-like lines and SQL, quoted and pasted
text, conditional clauses ("if I lived in Tokyo, ..."), aspirations ("thinking about learning
Rust"), role-play set-ups ("you're an angry customer and I'm Dave") and clauses that name the
assistant ("I'll call you Jarvis"). Turns that read as role-play are ignored altogether.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Final, Literal, TypeVar
from zoneinfo import available_timezones

__all__ = ["DIRECT_FIELDS", "SignalDetector"]

_T = TypeVar("_T")
_I = re.IGNORECASE

#: The fields ``SignalDetector.detect`` can return; it never returns any other key.
DIRECT_FIELDS: Final[tuple[str, ...]] = (
    "name",
    "preferred_name",
    "languages",
    "timezone",
    "response_length",
    "expertise_level",
    "communication_style",
    "prefers_code_examples",
)

# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------

# Lower-case spelling -> English name. Endonyms are included because people often name their
# own language in it.
_LANGUAGES: Final[Mapping[str, str]] = {
    **{
        name.lower(): name
        for name in (
            "Afrikaans", "Albanian", "Amharic", "Arabic", "Armenian", "Azerbaijani", "Basque",
            "Belarusian", "Bengali", "Bosnian", "Bulgarian", "Burmese", "Cantonese", "Catalan",
            "Chinese", "Croatian", "Czech", "Danish", "Dutch", "English", "Esperanto",
            "Estonian", "Filipino", "Finnish", "French", "Galician", "Georgian", "German",
            "Greek", "Gujarati", "Hausa", "Hebrew", "Hindi", "Hungarian", "Icelandic", "Igbo",
            "Indonesian", "Irish", "Italian", "Japanese", "Kannada", "Kazakh", "Khmer",
            "Korean", "Kurdish", "Lao", "Latin", "Latvian", "Lithuanian", "Macedonian",
            "Malay", "Malayalam", "Mandarin", "Marathi", "Mongolian", "Nepali", "Norwegian",
            "Pashto", "Persian", "Polish", "Portuguese", "Punjabi", "Romanian", "Russian",
            "Serbian", "Sinhala", "Slovak", "Slovenian", "Somali", "Spanish", "Swahili",
            "Swedish", "Tagalog", "Tamil", "Telugu", "Thai", "Turkish", "Ukrainian", "Urdu",
            "Uzbek", "Vietnamese", "Welsh", "Xhosa", "Yoruba", "Zulu",
        )
    },
    "farsi": "Persian",
    "bangla": "Bengali",
    "español": "Spanish",
    "castellano": "Spanish",
    "français": "French",
    "deutsch": "German",
    "português": "Portuguese",
    "italiano": "Italian",
}  # fmt: skip

# City -> IANA zone. Only cities that name one zone in everyday use: places such as Portland,
# Cambridge, Richmond, Victoria or San José are left out because they exist in several zones,
# and words such as Nice, Reading or Mobile because they are ordinary words too.
_CITY_ZONES_BY_ZONE: Final[Mapping[str, tuple[str, ...]]] = {
    "America/New_York": (
        "New York", "New York City", "NYC", "Manhattan", "Brooklyn", "Queens", "the Bronx",
        "Boston", "Philadelphia", "Washington DC", "Washington D.C.", "Washington, DC",
        "Washington, D.C.", "Atlanta", "Miami", "Pittsburgh", "Baltimore", "Charlotte", "Orlando",
        "Tampa", "Raleigh", "Durham", "Jersey City", "Newark", "Cleveland", "Cincinnati",
        "Jacksonville", "Hartford", "New Haven", "Columbus", "Providence", "Savannah",
        "Charleston", "Knoxville", "Chattanooga", "Syracuse",
    ),
    "America/Detroit": ("Detroit", "Ann Arbor"),
    "America/Indiana/Indianapolis": ("Indianapolis",),
    "America/Kentucky/Louisville": ("Louisville",),
    "America/Toronto": (
        "Toronto", "Ottawa", "Montreal", "Montréal", "Quebec City", "Kitchener", "Mississauga",
    ),
    "America/Chicago": (
        "Chicago", "Houston", "Dallas", "Austin", "San Antonio", "Minneapolis", "Saint Paul",
        "St. Paul", "Kansas City", "St. Louis", "St Louis", "Saint Louis", "New Orleans",
        "Nashville", "Memphis", "Milwaukee", "Oklahoma City", "Omaha", "Fort Worth", "Des Moines",
        "Tulsa", "Little Rock", "Baton Rouge", "Wichita", "Sioux Falls", "Fargo",
    ),
    "America/Winnipeg": ("Winnipeg",),
    "America/Mexico_City": ("Mexico City", "Guadalajara", "Puebla"),
    "America/Monterrey": ("Monterrey",),
    "America/Denver": (
        "Denver", "Boulder", "Salt Lake City", "Albuquerque", "Colorado Springs", "El Paso",
    ),
    "America/Boise": ("Boise",),
    "America/Phoenix": ("Phoenix", "Tucson", "Scottsdale"),
    "America/Edmonton": ("Calgary", "Edmonton"),
    "America/Los_Angeles": (
        "Los Angeles", "San Francisco", "Seattle", "San Diego", "Sacramento", "Oakland",
        "Las Vegas", "Palo Alto", "Mountain View", "Sunnyvale", "Berkeley", "Santa Monica",
        "Irvine", "the Bay Area", "Silicon Valley", "Tacoma", "Spokane", "Fresno", "Reno",
        "Santa Barbara", "Long Beach", "Bakersfield", "Redmond", "Olympia", "Santa Cruz",
    ),
    "America/Vancouver": ("Vancouver",),
    "America/Anchorage": ("Anchorage",),
    "Pacific/Honolulu": ("Honolulu",),
    "America/Bogota": ("Bogotá", "Medellín", "Barranquilla"),
    "America/Lima": ("Lima",),
    "America/Santiago": ("Santiago de Chile", "Valparaíso", "Valparaiso"),
    "America/Argentina/Buenos_Aires": ("Buenos Aires",),
    "America/Sao_Paulo": (
        "São Paulo", "Rio de Janeiro", "Brasília", "Belo Horizonte", "Curitiba", "Porto Alegre",
        "Campinas", "Florianópolis",
    ),
    "America/Recife": ("Recife",),
    "America/Fortaleza": ("Fortaleza",),
    "America/Caracas": ("Caracas",),
    "America/Montevideo": ("Montevideo",),
    "America/Guayaquil": ("Quito", "Guayaquil"),
    "America/Havana": ("Havana",),
    "America/Santo_Domingo": ("Santo Domingo",),
    "America/Guatemala": ("Guatemala City",),
    "Europe/London": (
        "London", "Manchester", "Birmingham", "Edinburgh", "Glasgow", "Liverpool", "Leeds",
        "Bristol", "Sheffield", "Nottingham", "Cardiff", "Belfast", "Oxford", "Brighton",
        "Leicester", "Southampton", "Aberdeen", "Coventry", "Dundee", "Swansea", "Exeter",
        "Norwich", "Inverness", "Stirling", "Bournemouth",
    ),
    "Europe/Dublin": ("Dublin", "Cork", "Galway", "Limerick", "Waterford"),
    "Europe/Lisbon": ("Lisbon", "Porto", "Braga", "Coimbra", "Faro"),
    "Europe/Madrid": (
        "Madrid", "Barcelona", "Valencia", "Seville", "Sevilla", "Bilbao", "Málaga", "Zaragoza",
        "Granada", "Alicante", "Palma de Mallorca", "Valladolid", "San Sebastián",
    ),
    "Europe/Paris": (
        "Paris", "Lyon", "Marseille", "Toulouse", "Bordeaux", "Lille", "Nantes", "Strasbourg",
        "Montpellier", "Grenoble", "Rennes", "Dijon", "Reims", "Le Havre", "Clermont-Ferrand",
    ),
    "Europe/Brussels": ("Brussels", "Antwerp", "Ghent", "Liège", "Leuven", "Bruges"),
    "Europe/Amsterdam": (
        "Amsterdam", "Rotterdam", "The Hague", "Utrecht", "Eindhoven", "Delft", "Leiden",
        "Groningen", "Maastricht", "Haarlem", "Nijmegen", "Tilburg",
    ),
    "Europe/Luxembourg": ("Luxembourg",),
    "Europe/Berlin": (
        "Berlin", "Munich", "München", "Hamburg", "Frankfurt", "Cologne", "Köln", "Stuttgart",
        "Düsseldorf", "Leipzig", "Dresden", "Hanover", "Hannover", "Nuremberg", "Bremen",
        "Dortmund", "Bonn", "Heidelberg", "Karlsruhe", "Aachen", "Münster", "Mannheim", "Freiburg",
        "Augsburg", "Wiesbaden", "Mainz", "Kiel", "Rostock", "Potsdam", "Regensburg", "Würzburg",
    ),
    "Europe/Zurich": (
        "Zurich", "Zürich", "Geneva", "Basel", "Bern", "Lausanne", "Lucerne", "Luzern", "Lugano",
        "Winterthur",
    ),
    "Europe/Vienna": ("Vienna", "Graz", "Salzburg", "Linz", "Innsbruck"),
    "Europe/Rome": (
        "Rome", "Milan", "Naples", "Turin", "Florence", "Bologna", "Venice", "Genoa", "Palermo",
        "Verona", "Padua", "Padova", "Trieste", "Bari", "Catania", "Pisa",
    ),
    "Europe/Copenhagen": ("Copenhagen", "Aarhus", "Odense", "Aalborg"),
    "Europe/Stockholm": ("Stockholm", "Gothenburg", "Malmö", "Uppsala", "Linköping", "Västerås"),
    "Europe/Oslo": ("Oslo", "Bergen", "Stavanger", "Trondheim", "Tromsø"),
    "Europe/Helsinki": ("Helsinki", "Espoo", "Tampere", "Turku", "Oulu"),
    "Europe/Tallinn": ("Tallinn", "Tartu"),
    "Europe/Riga": ("Riga",),
    "Europe/Vilnius": ("Vilnius", "Kaunas"),
    "Atlantic/Reykjavik": ("Reykjavik", "Reykjavík"),
    "Europe/Warsaw": (
        "Warsaw", "Kraków", "Cracow", "Wrocław", "Gdańsk", "Poznań", "Łódź", "Katowice", "Lublin",
        "Szczecin", "Bydgoszcz",
    ),
    "Europe/Prague": ("Prague", "Brno", "Ostrava", "Plzeň"),
    "Europe/Budapest": ("Budapest", "Debrecen", "Szeged"),
    "Europe/Bratislava": ("Bratislava",),
    "Europe/Ljubljana": ("Ljubljana",),
    "Europe/Zagreb": ("Zagreb",),
    "Europe/Belgrade": ("Belgrade", "Novi Sad"),
    "Europe/Sarajevo": ("Sarajevo",),
    "Europe/Sofia": ("Sofia", "Plovdiv", "Varna"),
    "Europe/Bucharest": (
        "Bucharest", "Cluj-Napoca", "Timișoara", "Timisoara", "Iași", "Iasi", "Brașov",
    ),
    "Europe/Athens": ("Athens", "Thessaloniki", "Patras", "Heraklion"),
    "Europe/Istanbul": ("Istanbul", "Ankara", "Izmir", "Antalya", "Bursa"),
    "Asia/Nicosia": ("Nicosia",),
    "Europe/Kyiv": ("Kyiv", "Kiev", "Lviv", "Kharkiv", "Odesa", "Odessa", "Dnipro"),
    "Europe/Chisinau": ("Chisinau", "Chișinău"),
    "Europe/Minsk": ("Minsk",),
    "Europe/Moscow": ("Moscow", "Saint Petersburg", "St. Petersburg", "Kazan"),
    "Asia/Yekaterinburg": ("Yekaterinburg",),
    "Asia/Novosibirsk": ("Novosibirsk",),
    "Asia/Jerusalem": ("Tel Aviv", "Jerusalem", "Haifa"),
    "Asia/Beirut": ("Beirut",),
    "Asia/Amman": ("Amman",),
    "Asia/Baghdad": ("Baghdad",),
    "Asia/Riyadh": ("Riyadh", "Jeddah"),
    "Asia/Dubai": ("Dubai", "Abu Dhabi", "Sharjah"),
    "Asia/Qatar": ("Doha",),
    "Asia/Kuwait": ("Kuwait City",),
    "Asia/Bahrain": ("Manama",),
    "Asia/Muscat": ("Muscat",),
    "Asia/Tehran": ("Tehran", "Isfahan", "Shiraz", "Mashhad"),
    "Asia/Kabul": ("Kabul",),
    "Asia/Karachi": (
        "Karachi", "Lahore", "Islamabad", "Rawalpindi", "Faisalabad", "Peshawar", "Multan",
    ),
    "Asia/Kolkata": (
        "Mumbai", "Bombay", "Delhi", "New Delhi", "Bangalore", "Bengaluru", "Hyderabad", "Chennai",
        "Madras", "Kolkata", "Calcutta", "Pune", "Ahmedabad", "Jaipur", "Kochi", "Noida",
        "Gurgaon", "Gurugram", "Chandigarh", "Lucknow", "Indore", "Coimbatore",
        "Thiruvananthapuram", "Mysore", "Mysuru", "Nagpur", "Surat", "Vadodara", "Bhopal", "Patna",
        "Bhubaneswar", "Visakhapatnam", "Vizag", "Mangalore", "Madurai", "Trivandrum",
    ),
    "Asia/Colombo": ("Colombo",),
    "Asia/Kathmandu": ("Kathmandu",),
    "Asia/Dhaka": ("Dhaka", "Chittagong"),
    "Asia/Yangon": ("Yangon",),
    "Asia/Bangkok": ("Bangkok", "Chiang Mai", "Phuket"),
    "Asia/Ho_Chi_Minh": ("Ho Chi Minh City", "Saigon", "Hanoi", "Da Nang"),
    "Asia/Phnom_Penh": ("Phnom Penh",),
    "Asia/Kuala_Lumpur": ("Kuala Lumpur", "Penang", "Johor Bahru"),
    "Asia/Singapore": ("Singapore",),
    "Asia/Jakarta": ("Jakarta", "Bandung", "Surabaya", "Yogyakarta", "Medan", "Semarang"),
    "Asia/Manila": ("Manila", "Quezon City", "Makati", "Cebu", "Davao"),
    "Asia/Hong_Kong": ("Hong Kong",),
    "Asia/Taipei": ("Taipei", "Kaohsiung", "Taichung"),
    "Asia/Shanghai": (
        "Shanghai", "Beijing", "Shenzhen", "Guangzhou", "Hangzhou", "Chengdu", "Wuhan", "Nanjing",
        "Tianjin", "Chongqing", "Suzhou", "Xi'an", "Qingdao", "Xiamen", "Dalian", "Shenyang",
        "Kunming", "Changsha", "Zhengzhou",
    ),
    "Asia/Seoul": ("Seoul", "Busan", "Incheon", "Daejeon", "Daegu", "Gwangju"),
    "Asia/Tokyo": (
        "Tokyo", "Osaka", "Kyoto", "Yokohama", "Nagoya", "Sapporo", "Fukuoka", "Kobe", "Sendai",
        "Hiroshima", "Nara",
    ),
    "Asia/Ulaanbaatar": ("Ulaanbaatar",),
    "Asia/Almaty": ("Almaty",),
    "Asia/Tashkent": ("Tashkent",),
    "Asia/Tbilisi": ("Tbilisi",),
    "Asia/Yerevan": ("Yerevan",),
    "Asia/Baku": ("Baku",),
    "Australia/Sydney": ("Sydney", "Canberra"),
    "Australia/Melbourne": ("Melbourne", "Geelong"),
    "Australia/Brisbane": ("Brisbane", "Gold Coast", "Cairns", "Townsville"),
    "Australia/Perth": ("Perth",),
    "Australia/Adelaide": ("Adelaide",),
    "Australia/Hobart": ("Hobart",),
    "Australia/Darwin": ("Darwin",),
    "Pacific/Auckland": ("Auckland", "Wellington", "Christchurch"),
    "Africa/Cairo": ("Cairo", "Giza"),
    "Africa/Casablanca": ("Casablanca", "Rabat", "Marrakech"),
    "Africa/Algiers": ("Algiers",),
    "Africa/Tunis": ("Tunis",),
    "Africa/Lagos": ("Lagos", "Abuja", "Ibadan", "Port Harcourt", "Kano", "Enugu"),
    "Africa/Accra": ("Accra", "Kumasi"),
    "Africa/Abidjan": ("Abidjan",),
    "Africa/Dakar": ("Dakar",),
    "Africa/Nairobi": ("Nairobi", "Mombasa"),
    "Africa/Addis_Ababa": ("Addis Ababa",),
    "Africa/Kampala": ("Kampala",),
    "Africa/Dar_es_Salaam": ("Dar es Salaam", "Arusha", "Zanzibar"),
    "Africa/Kigali": ("Kigali",),
    "Africa/Kinshasa": ("Kinshasa",),
    "Africa/Johannesburg": ("Johannesburg", "Cape Town", "Durban", "Pretoria"),
    "Africa/Harare": ("Harare",),
    "Africa/Lusaka": ("Lusaka",),
    "Africa/Maputo": ("Maputo",),
    "Africa/Khartoum": ("Khartoum",),
    "America/Regina": ("Saskatoon",),
    "America/Tijuana": ("Tijuana",),
    "America/Cancun": ("Cancún", "Cancun"),
    "America/Argentina/Mendoza": ("Mendoza",),
    "America/Asuncion": ("Asunción", "Asuncion"),
    "Asia/Damascus": ("Damascus",),
    "Africa/Windhoek": ("Windhoek",),
    "Africa/Gaborone": ("Gaborone",),
    "Africa/Luanda": ("Luanda",),
    "Africa/Douala": ("Douala", "Yaoundé"),
    "Africa/Bamako": ("Bamako",),
    "Africa/Mogadishu": ("Mogadishu",),
    "Indian/Mauritius": ("Port Louis",),
    "Pacific/Fiji": ("Suva",),
}  # fmt: skip

# "<phrase> time" a user may say they are on. Region names shared by several countries
# (CET, GMT, IST, CST, AEST) are left out: they do not name one IANA zone.
_ZONE_PHRASES: Final[Mapping[str, str]] = {
    "us eastern": "America/New_York",
    "eastern": "America/New_York",
    "eastern standard": "America/New_York",
    "eastern daylight": "America/New_York",
    "us central": "America/Chicago",
    "central": "America/Chicago",
    "us mountain": "America/Denver",
    "mountain": "America/Denver",
    "us pacific": "America/Los_Angeles",
    "pacific": "America/Los_Angeles",
    "alaska": "America/Anchorage",
    "hawaii": "Pacific/Honolulu",
    "uk": "Europe/London",
    "british": "Europe/London",
    "irish": "Europe/Dublin",
    "german": "Europe/Berlin",
    "dutch": "Europe/Amsterdam",
    "japan": "Asia/Tokyo",
    "japanese": "Asia/Tokyo",
    "korea": "Asia/Seoul",
    "korean": "Asia/Seoul",
    "india": "Asia/Kolkata",
    "indian": "Asia/Kolkata",
    "indian standard": "Asia/Kolkata",
    "china": "Asia/Shanghai",
    "chinese": "Asia/Shanghai",
    "philippine": "Asia/Manila",
    "israel": "Asia/Jerusalem",
    "turkey": "Europe/Istanbul",
    "thai": "Asia/Bangkok",
    "vietnam": "Asia/Ho_Chi_Minh",
    "pakistan": "Asia/Karachi",
    "nepal": "Asia/Kathmandu",
    "new zealand": "Pacific/Auckland",
    "nz": "Pacific/Auckland",
    "brasilia": "America/Sao_Paulo",
    "argentina": "America/Argentina/Buenos_Aires",
}

# Abbreviations that name one zone. Matched case-sensitively: "et" or "pt" in lower case is
# far more likely to be something else.
_ZONE_ABBREVIATIONS: Final[Mapping[str, str]] = {
    "ET": "America/New_York",
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "PT": "America/Los_Angeles",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "JST": "Asia/Tokyo",
    "KST": "Asia/Seoul",
    "HKT": "Asia/Hong_Kong",
    "SGT": "Asia/Singapore",
    "BST": "Europe/London",
    "NZST": "Pacific/Auckland",
    "NZDT": "Pacific/Auckland",
    "MSK": "Europe/Moscow",
}


def _word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``: long word lists read better as prose."""
    return frozenset(text.split())


# Capitalized words that follow "I'm" or "call me" without being a name.
_NOT_NAME_WORDS: Final[frozenset[str]] = _word_set(
    """
    a about actually afraid alright also always an and around as asking at available back
    basically based being bored both brand busy but by calling certain coming completely
    confused curious currently dear definitely doing done down dr early eventually excited
    finally fine for free from getting glad going gonna good great hanging happy having here
    hey hi hoping honestly hungry in interested into just kinda kind late learning leaving
    literally looking lost madam making maybe me miss moving mr mrs ms myself never new next
    nervous no not now of off ok okay old on only out over planning pretty prof professor
    probably quite ready really reading retired running scared seriously sick single sir so
    sort still stuck studying sure teaching thankful thanks the then there thinking this
    tired to today tomorrow tonight totally trying unsure up using very well wondering
    working worried writing yes yet you your yours sorry urgent crazy desperate serious
    stressed overwhelmed frustrated annoyed angry sad upset anxious depressed exhausted sleepy
    awake alive cold hot warm ill injured hurt broke rich poor married divorced engaged
    pregnant disabled allergic diabetic colorblind dyslexic autistic shy introverted
    extroverted impressed amazed shocked surprised confident positive aware unaware able
    unable allowed responsible hopeful grateful blessed lucky proud ashamed embarrassed
    jealous lonely alone prepared online offline away home young tall short healthy fit weak
    strong smart clueless lazy lesbian bi straight nonbinary male female vegan vegetarian
    keto halal kosher agnostic spiritual religious protestant orthodox evangelical mormon sikh
    jain pagan
    head lead senior junior chief director manager engineer developer designer student
    teacher doctor nurse founder ceo cto intern team scientist analyst dev researcher
    consultant architect writer lawyer accountant admin user customer fan mom mum dad parent
    first long quick data software product big little last
    american canadian british english irish scottish welsh australian indian chinese japanese
    korean german french spanish italian portuguese brazilian mexican russian ukrainian
    polish dutch swedish norwegian danish finnish greek turkish arab israeli iranian persian
    pakistani bangladeshi nigerian kenyan ghanaian egyptian african european asian latino
    latina hispanic jewish muslim christian catholic hindu buddhist atheist filipino
    vietnamese thai indonesian malaysian singaporean swiss austrian belgian czech hungarian
    romanian colombian argentinian argentine chilean peruvian venezuelan cuban moroccan
    ethiopian lebanese saudi emirati iraqi syrian nepalese taiwanese cypriot maltese kiwi
    jamaican haitian dominican ecuadorian bolivian uruguayan paraguayan guatemalan scandinavian
    slovak slovenian serbian croatian bosnian bulgarian estonian latvian lithuanian georgian
    armenian kazakh uzbek mongolian icelandic belarusian english gay queer trans deaf blind
    monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december
    python java javascript typescript kotlin rust go golang swift ruby php perl scala react
    angular vue django flask rails node excel sql linux windows mac macos ios android aws
    azure gcp docker kubernetes terraform figma google microsoft apple amazon meta facebook
    chatgpt claude gpt ai bot
    beginner novice newbie noob intermediate advanced expert amateur pro
    """
)
_NAME_PARTICLES: Final[frozenset[str]] = _word_set(
    "al bin binti da das de del della der di dos du el la le ten ter van von"
)

# --------------------------------------------------------------------------------------------
# Table-derived lookups and regex fragments
# --------------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Lower-case ``text`` and strip accents, so "Sao Paulo" finds "São Paulo"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Scanning the zone database takes tens of milliseconds: do it once.
_KNOWN_ZONES: Final[frozenset[str]] = frozenset(available_timezones())
# People type "europe/berlin" too.
_ZONES_BY_FOLDED: Final[Mapping[str, str]] = {zone.casefold(): zone for zone in _KNOWN_ZONES}


def _valid_zones(table: Mapping[str, str]) -> dict[str, str]:
    """Keep the entries whose zone this interpreter knows.

    Without zone data (no system tzdata and no ``tzdata`` package) timezone detection is off
    rather than returning names that ``zoneinfo`` cannot load.
    """
    return {key: zone for key, zone in table.items() if zone in _KNOWN_ZONES}


def _city_table() -> dict[str, str]:
    """Folded city spelling -> zone, with accent-free and punctuation-free variants."""
    table: dict[str, str] = {}
    for zone, cities in _CITY_ZONES_BY_ZONE.items():
        for city in cities:
            table[_fold(city)] = zone
    return _valid_zones(table)


def _alternation(words: Iterable[str], *, fold_case: bool = True) -> str:
    """A regex matching any of ``words``, written as a trie; spaces match any whitespace.

    A flat alternation of a few hundred words makes the engine try every word at every
    position; the trie tries one branch per letter. Longer words are tried first. With
    ``fold_case`` the words are lower-cased, for patterns compiled with ``re.IGNORECASE``.
    """
    trie: dict[str, dict[str, Any]] = {}
    for word in words:
        node = trie
        for char in word.casefold() if fold_case else word:
            node = node.setdefault(char, {})
        node[""] = {}  # end of a word

    def render(node: dict[str, Any]) -> str:
        branches = [
            (r"\s+" if char == " " else re.escape(char)) + render(child)
            for char, child in sorted(node.items())
            if char
        ]
        if not branches:
            return ""
        if len(branches) == 1 and "" not in node:
            return branches[0]
        group = "(?:" + "|".join(branches) + ")"
        return group + "?" if "" in node else group

    return render(trie)


_CITY_ZONES: Final[Mapping[str, str]] = _city_table()
_ZONE_PHRASE_ZONES: Final[Mapping[str, str]] = _valid_zones(_ZONE_PHRASES)
_ZONE_ABBREVIATION_ZONES: Final[Mapping[str, str]] = _valid_zones(_ZONE_ABBREVIATIONS)
_CITY_SPELLINGS: Final[frozenset[str]] = frozenset(
    spelling
    for cities in _CITY_ZONES_BY_ZONE.values()
    for city in cities
    for spelling in (city, _fold(city))
)
_CITY: Final = rf"\b(?P<city>{_alternation(_CITY_SPELLINGS)})(?![\w-])"
_LANG: Final = rf"\b(?:{_alternation(_LANGUAGES)})(?![\w-])"
# Qualifiers between listed languages: "Portuguese and only a little English". Every
# repetition here is bounded so that no input can make matching slow.
_LANG_QUALIFIER: Final = (
    r"(?:(?:only|just|also|some|a\s+little|a\s+bit\s+of|a\s+bit|basic|fluent|conversational"
    r"|broken|decent|good|native|passable|rudimentary|okay|ok)\s+){0,3}"
)
_LANG_SEPARATOR: Final = r"\s*(?:,|;|/|&|\+|\band\b|\bor\b|\bplus\b|\bas\s+well\s+as\b)\s*"
_LANG_LIST: Final = (
    rf"(?P<langs>{_LANG_QUALIFIER}{_LANG}(?:{_LANG_SEPARATOR}{_LANG_QUALIFIER}{_LANG}){{0,5}})"
)
# A run of up to five words; the name itself is picked from it by ``_name_in``.
_NAME_RUN: Final = r"(?P<name>[^\W\d_][\w'-]*(?:[ \t]+[^\W\d_][\w'-]*){0,4})"
_I_AM: Final = r"(?:\bi'm|\bim|\bi\s+am)\b"
# Words that make a request standing rather than one-off.
_STANDING: Final = (
    r"(?:from\s+now\s+on|going\s+forward|always|by\s+default|in\s+general|in\s+future"
    r"|from\s+here\s+on|in\s+the\s+future)"
)
_GREETING: Final = (
    r"(?:(?:hi|hey|hello|hiya|yo|howdy|greetings|salam|(?:good\s+)?(?:morning|afternoon|evening))"
    r"\b(?:\s+there)?[\s,!.]*)"
)

# --------------------------------------------------------------------------------------------
# Cleaning: what no rule may read
# --------------------------------------------------------------------------------------------

_APOSTROPHES: Final = re.compile(r"(?<=\w)[\u2019\u02bc\u00b4](?=\w)")
_CODE_FENCE: Final = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)
_INLINE_CODE: Final = re.compile(r"`[^`\n]*`")
_QUOTED: Final = re.compile(
    r"\u201c[^\u201d]*\u201d?|\"[^\"\n]*\"?|\u2018[^\u2019]*\u2019|\u00ab[^\u00bb]*\u00bb"
    # A single quote opens only after a non-word character; apostrophes inside words ("I'm")
    # do not close it.
    r"|(?<![\w])'(?:[^'\n]|(?<=\w)'(?=\w))*'(?![\w])"
)
# Text pasted after "says:", "this:", "the email:" on its own lines belongs to someone else.
_PASTED: Final = re.compile(
    r"\b(?:says|said|reads|wrote|writes|this|below|following|email|message|text|letter|note"
    r"|reply|paragraph|post|review|bio)\s*:\s*\n.*",
    _I | re.DOTALL,
)
# ... and so does the rest of a line after "she wrote:", "the bio says:".
_REPORTED: Final = re.compile(
    r"\b(?:says|said|reads|wrote|writes|replied|texted|posted|bio|message|email)\s*:[^\n]*", _I
)
# What follows "translate" or "how do you say" is the text to translate.
_TRANSLATE_VERB: Final = (
    r"\btranslat(?:e|es|ed|ing)\b|\btranslations?\s+(?:of|for|into|to)\b"
    r"|\bhow\s+(?:do|would|can|to)\s+(?:you\s+|I\s+)?say\b"
)
_TO_TRANSLATE: Final = re.compile(rf"(?:{_TRANSLATE_VERB})[^.!?\n]*", _I)
_QUOTE_LINE: Final = re.compile(r"^\s*>.*$", re.MULTILINE)
_CODE_LINE: Final = re.compile(
    r"^\s*(?:[A-Za-z_][\w.\[\]'\"]*\s*[-+*/]?=(?!=)|(?:def|class|import|return|const|let|var"
    r"|function|public|private)\b|from\s+\w+\s+import\b|print\(|console\.log|#include).*$"
    r"|^.*[;{}]\s*$",
    re.MULTILINE,
)
_SQL: Final = re.compile(
    r"\b(?:insert\s+into\s+\w+|delete\s+from\s+\w+|update\s+\w+\s+set\b|create\s+table"
    r"|values\s*\()[^;\n]*;?|\bSELECT\b[^;\n]*?\bFROM\b[^;\n]*;?",
    _I,
)
_CONDITIONAL: Final = re.compile(
    r"\b(?:if|suppose|supposing|imagine|imagining|pretend|pretending|assume|assuming"
    r"|hypothetically|let's\s+say|unless|whether|in\s+case)\b[^.;:!?,\n]*"
    # "Say I moved to Paris, ..." but not "I'd say I'm intermediate"
    r"|(?<!I'd\s)(?<!I\s)(?<!would\s)\bsay\s+(?:that\s+)?(?=I\b)[^.;:!?,\n]*",
    _I,
)
# "explain it like I'm a beginner" describes the answer wanted, not the user.
_AS_IF_I_WERE: Final = re.compile(
    r"\b(?:like|as\s+though)\s+(?:I'm|I\s+am|im|I\s+was|I\s+were)\b[^.;:!?,\n]*", _I
)
_ASPIRATION: Final = re.compile(
    r"\b(?:thinking\s+(?:about|of)|considering|planning\s+(?:to|on)|hope\s+to|hoping\s+to"
    r"|dream(?:ing)?\s+of|someday|some\s+day|one\s+day|eventually|might)\b[^.;:!?,\n]*",
    _I,
)
# A line spoken in character: period speech, *stage directions*, "in character".
_IN_CHARACTER: Final = re.compile(
    r"\baye,?\s+(?:aye|captain|cap'n|sir|matey|skipper)\b"
    r"|\b(?:arr+|ahoy|matey|m'lady|milady|milord|my\s+liege|thee|thou|thy|forsooth|yer)\b"
    r"|\b(?:in\s+character|in-character|my\s+character|playing\s+as)\b"
    r"|\bin\s+(?:this|the|our)\s+(?:story|game|scene|campaign|role-?play|play|script)\b"
    r"|^\s*\*[^*\n]+\*"
    # the user does not offer the assistant help: "This is Dave from support, how can I help?"
    r"|\bhow\s+(?:can|may|might)\s+I\s+(?:help|assist)(?:\s+you)?\s*(?:today\s*)?\?",
    _I | re.MULTILINE,
)
# A request for fiction: what follows it in the turn is made up, though what comes before
# may still be true ("I'm a nurse. Write a poem for my colleague.").
_FICTION_REQUEST: Final = re.compile(
    r"(?:\brole-?\s?play|\bpretend\b|\blet's\s+play\b"
    r"|(?<!\bI'm\s)(?<!\bim\s)(?<!\bam\s)(?<!\bbeen\s)\b(?:write|writing|draft|continue)\s+"
    r"(?:me\s+)?(?:a|an|the|my|this)\s+(?:short\s+)?"
    r"(?:story|poem|scene|script|novel|tale|fanfic|screenplay|dialogue)\b"
    # "a mock support call", "you're an angry customer and I'm Dave", "act as my tutor"
    r"|\bmock\s+(?:[\w-]+\s+){0,2}(?:call|interview|conversation|chat|session|meeting"
    r"|negotiation|trial|exam|dialogue|pitch)\b"
    r"|\byou(?:'re|\s+are|\s+be|'ll\s+be|\s+will\s+be|\s+play)\s+(?:an?|the|my)\s+[^.!?\n]{0,60}?"
    r"\band\s+I(?:'m|\s+am|'ll\s+be|\s+will\s+be|\s+play)\b"
    r"|\b(?:can|could|would|will)\s+you\s+act\s+as\b|^\W*act\s+as\b).*",
    _I | re.DOTALL,
)
# Naming the assistant ("Can I call you Max?", "Your name is Nova now") or asking what one's own
# name is says nothing about the user; nor does the idiom "call me crazy". The clause goes.
_NAMES_THE_ASSISTANT: Final = (
    r"\b(?:(?:call|name|rename|dub)\s+you|your\s+(?:new\s+)?name\s+(?:is|will\s+be|shall\s+be))\b"
)
# Cheap test first: scanning every clause is only worth it when the cue is there.
_ASSISTANT_NAMING_CUE: Final = re.compile(_NAMES_THE_ASSISTANT, _I)
_ASSISTANT_NAMING: Final = re.compile(
    rf"(?:^|(?<=[.!?,;:\n]))[^.!?,;:\n]*?{_NAMES_THE_ASSISTANT}[^.!?\n]*", _I
)
_NOT_ABOUT_THE_USER: Final = re.compile(
    r"\bwhat(?:'s|\s+is)\s+my\s+name\b|\bwhat\s+my\s+name\s+is\b"
    r"|\b(?:remember|forgot|forget|know|guess)\s+my\s+name\b"
    r"|\bcall\s+me\s+(?:crazy|old[\s-]fashioned|paranoid|lazy|picky|naive|biased|cynical|weird"
    r"|stubborn|a\s+\w+)\b",
    _I,
)
_OUT_OF_CHARACTER: Final = re.compile(
    r"\b(?:ooc|out\s+of\s+character|for\s+real|in\s+real\s+life|irl|my\s+real\s+name)\b", _I
)
_MASK: Final = " . "


def _prepare(text: str) -> str:
    """``text`` with code, quotes, pasted text, fiction, conditionals and aspirations masked.

    Masked spans become a sentence break, so no rule can join words across them.
    """
    text = _APOSTROPHES.sub("'", text)
    for pattern in (
        _CODE_FENCE,
        _INLINE_CODE,
        _PASTED,
        _REPORTED,
        _QUOTE_LINE,
        _SQL,
        _QUOTED,
        _CODE_LINE,
        _TO_TRANSLATE,
        _FICTION_REQUEST,
    ):
        text = pattern.sub(_MASK, text)
    for pattern in (_CONDITIONAL, _AS_IF_I_WERE, _NOT_ABOUT_THE_USER):
        text = pattern.sub(_MASK, text)
    if _ASSISTANT_NAMING_CUE.search(text):
        text = _ASSISTANT_NAMING.sub(_MASK, text)
    return _ASPIRATION.sub(_MASK, text)


def _is_in_character(text: str) -> bool:
    """Whether ``text`` reads as a line spoken in character (pirate talk, *actions*, ...)."""
    return bool(_IN_CHARACTER.search(text)) and not _OUT_OF_CHARACTER.search(text)


_SENTENCE_BREAK: Final = re.compile(r"(?<=[.!?;])\s+|\n+")


def _sentences(text: str) -> list[str]:
    """``text`` split into sentences, roughly; enough to scope one-off markers."""
    return [s for s in _SENTENCE_BREAK.split(text) if s.strip()]


# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------


_PARTICLE_PREFIX: Final = re.compile(r"^(?:al|el|ul|ad|ibn|bin|d|de|di|da|van|von)['-](?=[^\W\d_])")


# Lower-case words that follow "my name is" or "call me" in a turn typed without capitals, and
# that are not names ("my name is on the list", "call me later").
_NOT_NAME_LOWER: Final[frozenset[str]] = _word_set(
    """
    after again ago all already an any anyone anything anytime anywhere are asap because before
    been can cant can't could did didn't do does doesn't don't either else even ever every
    everyone everything for he her his how i i'd i'll i'm i've if im is isn't it it's its ive
    later lol maybe mine more most much my no nobody none nor not nothing now of off ok okay on
    once one only or other our out over please pls plz rn same she should since some someone
    something soon than that that's the their them there they thing this those though thx too
    two u under until ur us was we were what whatever when whenever where which while who whom
    whose why will with would wrong yeah yep nope haha hahaha lmao omg tbh idk btw ty thank
    anymore weird funny hard easy spelled spelt misspelled long short old bad
    """
)
# Longer lower-case words that read as adjectives or verbs rather than names: "im nervous",
# "starving". Short ones ("emily", "ahmed") may be names.
_NOT_NAME_SUFFIX: Final = re.compile(r"^\w{3,}(?:ing|ed|ous|ful|less|ive|able|ible|ly|ish)$")


def _typed_in_lower_case(text: str) -> bool:
    """Whether the turn starts in lower case, as in "hi im jean-luc": then names may be too."""
    first = next((c for c in text if c.isalpha()), "")
    return first.islower()


def _is_lower_name_token(token: str) -> bool:
    """Whether a lower-case ``token`` may be part of a name typed without capitals."""
    if (
        len(token) < 2
        or token != token.lower()
        or not token.replace("-", "").replace("'", "").isalpha()
    ):
        return False
    folded = _fold(token)
    if folded in _NOT_NAME_LOWER or _NOT_NAME_SUFFIX.search(folded) or token in _CITY_SPELLINGS:
        return False
    return not any(part in _NOT_NAME_WORDS or part in _LANGUAGES for part in folded.split("-"))


_NAME_PART: Final = re.compile(r"[^-']+")


def _capitalized(token: str) -> str:
    """A name typed in lower case, with standard capitals: "jean-luc" -> "Jean-Luc"."""
    return _NAME_PART.sub(lambda part: part[0][:1].upper() + part[0][1:], token)


def _is_name_token(token: str) -> bool:
    """Whether ``token`` looks like part of a personal name: "Siobhán", "O'Neil", "Jean-Luc"."""
    core = _PARTICLE_PREFIX.sub("", token)
    if len(core) < 2 or not core[0].isupper() or core.endswith("'s"):
        return False
    if not any(c.islower() for c in core[1:]):  # "OK", "SRE", "NYC"
        return False
    if core != token:  # "al-Farsi", "d'Souza": a surname whatever the rest looks like
        return True
    if token in _CITY_SPELLINGS:
        return False
    # "Irish-Canadian" is no name even though "Jean-Luc" is.
    return not any(
        part in _NOT_NAME_WORDS or part in _LANGUAGES for part in _fold(token).split("-")
    )


_WORD: Final = re.compile(r"\S+")
# What may follow a name: "I'm Sam, ...", "I'm Sam and ...", "I'm Sam." but not "I'm Building a
# house" or "I'm Feeling sick", where a capitalized word is not a name.
_AFTER_NAME: Final = re.compile(
    r"\s*(?:$|[.,!?;:)\]\u2014\u2013(]|-\s|(?:and|from|here|btw|but|by\s+the\s+way|again|too"
    r"|though|originally|nice|pleased|these\s+days|nowadays|now|instead|please|pls|since"
    r"|because)\b)",
    _I,
)


# How much of a match must be name: its whole ``name`` group; its first words, followed by
# punctuation or a word such as "and" (after a weak cue like "I'm"); or its first words,
# whatever follows (after a strong cue like "my name is").
_Fit = Literal["whole", "then_break", "prefix"]


def _name_in(match: re.Match[str], fit: _Fit, lower_ok: bool = False) -> str | None:
    """The name at the start of ``match``'s ``name`` group: "Alice Chen" from "Alice Chen and I".

    Particles ("van", "de") count only between name words. ``fit`` says what may follow. With
    ``lower_ok``, in a turn typed in lower case, lower-case words may be the name ("my name is
    ana gómez"); they come back capitalized and must be followed by a break, as after "I'm".
    """
    start = match.start("name")
    words = list(_WORD.finditer(match["name"]))
    lower = lower_ok and _typed_in_lower_case(match.string)
    taken: list[str] = []
    pending: list[str] = []
    end = start
    typed_lower = False
    for word in words[:5]:
        token = word[0]
        if _is_name_token(token) or (lower and _is_lower_name_token(token)):
            typed_lower = typed_lower or token.islower()
            taken.extend(pending)
            taken.append(_capitalized(token) if token.islower() else token)
            pending = []
            end = start + word.end()
        elif taken and token.casefold() in _NAME_PARTICLES:
            pending.append(token)
        else:
            break
    if not taken:
        return None
    if fit == "whole" and len(taken) != len(words):
        return None
    if (fit == "then_break" or typed_lower) and not _AFTER_NAME.match(match.string, end):
        return None
    return " ".join(taken)


# A cue, how much of what follows must be name (see ``_name_in``), and whether a turn typed in
# lower case may give the name in lower case after it.
_NamePattern = tuple[re.Pattern[str], _Fit, bool]
# One to three words, for cues whose end is fixed by a lookahead.
_SHORT_NAME_RUN: Final = r"(?P<name>[^\W\d_][\w'-]*(?:[ \t]+[^\W\d_][\w'-]*){0,2})"

_NAME_PATTERNS: Final[tuple[_NamePattern, ...]] = (
    # "my name is Alice Chen", "sign it with my name: Lucía Fernández"
    (
        re.compile(
            r"(?i:\bmy\s+(?:full\s+|real\s+|actual\s+)?name(?:'s|\s+is|\s*:|\s*,|\s+-)\s*)"
            + _NAME_RUN
        ),
        "prefix",
        True,
    ),
    # "name's Dmitri Volkov, ..." at the start of the turn
    (
        re.compile(rf"(?i:^\s*{_GREETING}?(?:the\s+)?name(?:'s|\s+is)\s+)" + _NAME_RUN),
        "prefix",
        True,
    ),
    # "hi im jean-luc moreau, ..." in a turn typed in lower case
    (re.compile(rf"(?i:^\s*{_GREETING}{_I_AM}\s+){_NAME_RUN}"), "then_break", True),
    # "I'm Alice Chen, ...", "hey, im Samantha"
    (re.compile(rf"(?i:{_I_AM}\s+){_NAME_RUN}"), "then_break", False),
    # "Hi, it's Siobhan Kelly", "Hello, this is Marco"
    (
        re.compile(rf"(?i:^\s*{_GREETING}(?:it's|it\s+is|this\s+is)\s+){_NAME_RUN}"),
        "then_break",
        False,
    ),
    # "This is Priyanka Rao from Infosys", "It's Dan, the new intern": without a greeting,
    # only where an introduction goes on
    (
        re.compile(
            r"(?i:^\s*(?:it's|it\s+is|this\s+is)\s+)"
            + _SHORT_NAME_RUN
            + r"(?=\s+(?i:from|here)\b|\s*,\s*(?i:an?|the|your)\s)"
        ),
        "whole",
        False,
    ),
    # "Sorry, autocorrect: it's Siobhán Kelly"
    (
        re.compile(
            r"(?i:\b(?:autocorrect\w*|typo|misspel\w*|spell\w*)\b[^.!?\n]{0,30}?"
            r"(?:it's|it\s+is|that's|should\s+be|is)\s+)" + _NAME_RUN
        ),
        "then_break",
        False,
    ),
    # "Oops, it's Zoë, with the dots", "it's Jon, spelled without an h"
    (
        re.compile(
            r"(?i:\bit's\s+)"
            + _SHORT_NAME_RUN
            + r"(?=\s*,?\s+(?i:with\s+(?:the|an?|two|one|double|no)\s+(?:[\w-]+\s+)?(?:dots?"
            r"|accents?|umlauts?|tildes?|cedillas?|hyphens?|apostrophes?|capitals?|letters?"
            r"|[a-z])\b|spelled\b|spelt\b))"
        ),
        "whole",
        False,
    ),
    # "It's Tomás. Tomás Herrera." as the whole turn: the name, then the full name
    (
        re.compile(
            r"(?i:^\W*(?:(?:oh|oops|sorry|yes|yeah|ok|okay|well)\W+)?(?:it's|it\s+is|I'm"
            r"|I\s+am)\s+)"
            r"(?P<first>[^\W\d_][\w'-]*)\s*[.,!]\s*"
            r"(?P<name>(?P=first)(?:[ \t]+[^\W\d_][\w'-]*){1,3})\s*[.!]?\s*$"
        ),
        "whole",
        False,
    ),
    # "Morning! Lars Eriksen, data analyst at Equinor": a full name, then who they are
    (
        re.compile(
            rf"(?i:^\s*{_GREETING}?)(?P<name>[^\W\d_][\w'-]*(?:[ \t]+[^\W\d_][\w'-]*){{1,2}})"
            r"\s*,\s+(?i:(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,3}?(?:at|from|in|here)\b)"
        ),
        "whole",
        False,
    ),
    # "Katarzyna Nowak here, but ..." at the very start of the turn
    (
        re.compile(
            rf"(?i:^\s*{_GREETING}?)(?P<name>[^\W\d_][\w'-]*(?:[ \t]+[^\W\d_][\w'-]*){{0,3}})"
            r"(?i:\s+here)\b(?!\s+(?:is|are|was|in|at|for|to))"
        ),
        "whole",
        False,
    ),
)
_PREFERRED_PATTERNS: Final[tuple[_NamePattern, ...]] = (
    # "call me Sam", "please address me as Dr. Ruiz"; not "don't call me ..."
    (
        re.compile(
            r"(?i:(?<!don't\s)(?<!not\s)(?<!never\s)(?<!stop\s)\b(?:calls?\s+me|address\s+me\s+as"
            r"|refer\s+to\s+me\s+as)\s+(?:just\s+)?)" + _NAME_RUN
        ),
        "then_break",
        True,
    ),
    # "I go by Kat"
    (
        re.compile(
            r"(?i:\bI\s+(?:usually\s+|mostly\s+|just\s+|normally\s+|also\s+|prefer\s+to\s+)?"
            r"go\s+by\s+)" + _NAME_RUN
        ),
        "then_break",
        True,
    ),
)
# Only trusted when the same turn also gives a name: "Katarzyna here, but Kasia is fine".
_PREFERRED_AFTER_NAME: Final[tuple[_NamePattern, ...]] = (
    (
        re.compile(
            r"(?i:\bbut\s+(?:just\s+)?)(?P<name>[^\W\d_][\w'-]*)"
            r"(?i:\s+(?:is\s+fine|is\s+ok|is\s+okay|works|is\s+good|will\s+do))\b"
        ),
        "whole",
        False,
    ),
    (re.compile(r"(?<![\w'-])(?P<name>[^\W\d_][\w'-]*)(?i:\s+for\s+short)\b"), "whole", False),
)


def _first_name(text: str, patterns: Iterable[_NamePattern]) -> str | None:
    """The first name that one of ``patterns`` finds in ``text`` (see ``_name_in``)."""
    for pattern, fit, lower_ok in patterns:
        for match in pattern.finditer(text):
            name = _name_in(match, fit, lower_ok)
            if name:
                return name
    return None


# A word, and the up to three words after it (in a lookahead, so every word is tried).
_WORD_AND_NEXT: Final = re.compile(
    r"(?<![\w'-])(?P<first>[^\W\d_][\w'-]*)(?=(?P<name>(?:[ \t]+[^\W\d_][\w'-]*){1,3}))"
)


def _detect_name(text: str) -> str | None:
    """The user's own name as stated, or None.

    A first name the turn goes on to give in full is returned in full: "it's Zoë, with the
    dots. Zoë Papadopoulos."
    """
    name = _first_name(text, _NAME_PATTERNS)
    if name is None or " " in name:
        return name
    for match in _WORD_AND_NEXT.finditer(text):
        if match["first"] != name:
            continue
        surname: list[str] = []
        end = match.start("name")
        for word in _WORD.finditer(match["name"]):
            if not _is_name_token(word[0]):
                break
            surname.append(word[0])
            end = match.start("name") + word.end()
        if surname and _AFTER_NAME.match(text, end):
            return " ".join([name, *surname])
    return name


def _detect_preferred_name(text: str, *, has_name: bool) -> str | None:
    """What the user asks to be called, or None."""
    preferred = _first_name(text, _PREFERRED_PATTERNS)
    if preferred is None and has_name:
        preferred = _first_name(text, _PREFERRED_AFTER_NAME)
    return preferred


# --------------------------------------------------------------------------------------------
# Languages
# --------------------------------------------------------------------------------------------

_LANGUAGE_PATTERNS: Final[tuple[re.Pattern[str], ...]] = tuple(
    re.compile(pattern, _I)
    for pattern in (
        # "I speak Portuguese and only a little English", "I read English fine"
        r"\bI\s+(?:(?:can|also|mostly|mainly|only|natively|fluently|still|do|both)\s+)*"
        r"(?:speak|read|write|understand)\s+(?:in\s+)?" + _LANG_LIST,
        # "Korean is my first language", "English is my third"
        _LANG_LIST + r"(?:'s|\s+is|\s+are)\s+(?:also\s+|both\s+)?my\s+"
        r"(?:(?:first|second|third|fourth|fifth)\b|(?:(?:native|main|mother|primary|home"
        r"|only|daily|working|strongest|preferred|usual)\s+)*(?:languages?|tongues?)\b)",
        # "my first language is Korean"
        r"\bmy\s+(?:(?:first|second|native|main|mother|primary|home|only|other)\s+)*"
        r"(?:languages?|tongues?)\s+(?:is|are)\s+" + _LANG_LIST,
        # "my English is basic"
        r"\bmy\s+(?P<langs>" + _LANG + r")(?:'s|\s+is|\s+isn't|\s+skills|\s+level)\b"
        r"(?!\s+(?:non-?existent|zero|none)\b)",
        # "I'm fluent in French", "I'm a native Spanish speaker", "I'm bilingual in X and Y"
        r"\bI(?:'m|\s+am)\s+(?:an?\s+)?(?:native|fluent|bilingual|trilingual|conversational)"
        r"\s+(?:(?:in|at)\s+)?(?:speaker\s+of\s+)?" + _LANG_LIST,
        r"\bI(?:'m|\s+am)\s+an?\s+(?:native\s+|fluent\s+)?(?P<langs>" + _LANG + r")\s+speaker\b",
        # "Native speaker of Polish here", "Spanish native speaker", at the start of a sentence
        r"(?:^|(?<=[.!?\n]))\W*(?:an?\s+)?native\s+speaker\s+of\s+" + _LANG_LIST,
        r"(?:^|(?<=[.!?\n]))\W*(?:an?\s+)?(?:(?:native|fluent|conversational|basic|beginner"
        r"|intermediate|advanced)(?:[-\s]level)?\s+)?(?P<langs>" + _LANG + r")\s+(?:native\s+)?"
        r"speaker\s+here\b",
        r"(?:^|(?<=[.!?\n]))\W*(?:an?\s+)?(?P<langs>"
        + _LANG
        + r")\s+native\s+(?:speaker\b|here\b)",
        # "I grew up speaking Tagalog and English"
        r"\bI\s+grew\s+up\s+speaking\s+" + _LANG_LIST,
        # "I ... and get by in English", "I can get by in Italian"
        r"(?:\bI|\band)\s+(?:(?:can|also|still|just|only|mostly)\s+)*get\s+by\s+in\s+" + _LANG_LIST,
        # "I know some French", not "I know some French people"
        r"\bI\s+(?:also\s+)?know\s+(?:some|a\s+little|a\s+bit\s+of|a\s+bit|basic|enough)\s+"
        r"(?P<langs>" + _LANG + r")(?!\s+(?:people|person|guys|food|dishes|history|culture|cuisine"
        r"|literature|films?|movies|music|songs|wine|cheese|restaurants?|friends|colleagues"
        r"|speakers|words\s+for|cooking|law|politics|art))",
    )
)
# "answer", "reply" as verbs addressed to the assistant, not "the reply", "her answer".
_TO_ME: Final = (
    r"(?<!\bthe\s)(?<!\ba\s)(?<!\ban\s)(?<!\bmy\s)(?<!\byour\s)(?<!\bthis\s)(?<!\bher\s)"
    r"(?<!\bhis\s)(?<!\bshe\s)(?<!\bhe\s)(?<!\bthey\s)\b(?:answer|reply|respond|talk|speak)"
)
# ... and not to someone else's message: "reply in Spanish only to this customer email"
_NOT_FOR_OTHERS: Final = (
    r"(?![^.!?\n]*\b(?:to|for)\s+(?:this|that|the|my|our|his|her|their|these|those)\s+(?!own\b))"
)
# Asking for answers in a language counts only as a standing request.
_LANGUAGE_REQUEST_PATTERNS: Final[tuple[re.Pattern[str], ...]] = tuple(
    re.compile(pattern, _I)
    for pattern in (
        r"\b(?:answer|reply|respond|write|talk|speak)\s+(?:to\s+me\s+|back\s+)?(?:only\s+)?"
        r"in\s+(?P<langs>" + _LANG + r")[^.!?\n]{0,30}?\b" + _STANDING,
        r"\b" + _STANDING + r"\b[^.!?\n]{0,30}?\b(?:answer|reply|respond|write|talk|speak)\s+"
        r"(?:to\s+me\s+)?(?:only\s+)?in\s+(?P<langs>" + _LANG + r")",
        # "reply in English only", "answer only in German"
        _TO_ME
        + r"\s+(?:to\s+me\s+|back\s+)?only\s+in\s+(?P<langs>"
        + _LANG
        + r")"
        + _NOT_FOR_OTHERS,
        _TO_ME
        + r"\s+(?:to\s+me\s+|back\s+)?in\s+(?P<langs>"
        + _LANG
        + r")\s+only\b"
        + _NOT_FOR_OTHERS,
        # "English is fine", "sources in French or German are fine"
        _LANG_LIST + r"\s+(?:is|are)\s+(?:also\s+|both\s+)?(?:fine|ok|okay|good)\b",
    )
)
_TRANSLATION: Final = re.compile(rf"{_TRANSLATE_VERB}|\bin\s+{_LANG}\s*\?", _I)
_LANG_WORD: Final = re.compile(_LANG, _I)


def _detect_languages(text: str) -> list[str]:
    """Languages the user says they speak or read, as English names, in order of mention."""
    if not _LANG_WORD.search(text):
        return []
    patterns = _LANGUAGE_PATTERNS
    if not _TRANSLATION.search(text):
        patterns += _LANGUAGE_REQUEST_PATTERNS
    mentions = sorted(
        (match.start("langs") + word.start(), _LANGUAGES[word[0].casefold()])
        for pattern in patterns
        for match in pattern.finditer(text)
        for word in _LANG_WORD.finditer(match["langs"])
    )
    return list(dict.fromkeys(language for _, language in mentions))


# --------------------------------------------------------------------------------------------
# Timezone
# --------------------------------------------------------------------------------------------

# A word between "I'm a nurse" and "in Paris". Some words make the city something other than
# where the user lives or works: a trip, someone else's place, a birthplace.
_HOME_WORD: Final = (
    r"\s+(?!(?:visit\w*|trip|tour\w*|travel\w*|vacation|holiday|conference|week|weekend"
    r"|month|stay\w*|exchange|born|raised|grew|originally|from|with|my|his|her|their|team"
    r"|client\w*|customer\w*|colleague\w*|friend\w*|family|partner\w*|boss|and|but|(?-i:who)"
    r"|lives|fan|going|moving|flying|heading|next|soon|remote\w*|interested|hotel|hostel"
    r"|airbnb|airport|layover|stopover|guest|honeymoon|wedding|festival)\b)[^\s.;!?]+"
)
# What comes right before a city the user lives or works in.
_HOME_TRIGGERS: Final[tuple[str, ...]] = (
    # "I live in Toronto", "I'm based in Bangalore"
    r"\bI\s+(?:(?:currently|still|now|actually|also)\s+)?(?:live|reside)(?:\s+and\s+work)?"
    r"\s+(?:in|near)\s+"
    r"(?:the\s+city\s+of\s+)?",
    rf"{_I_AM}\s+(?:(?:currently|now|still|actually|also)\s+)?"
    r"(?:living|residing|based|located|stationed)\s+(?:in|out\s+of|near)\s+",
    # "I'm a data engineer based in Berlin"
    rf"{_I_AM}(?:{_HOME_WORD}){{0,8}}?\s+based\s+(?:in|out\s+of)\s+",
    # "I moved to Denver last month"
    r"\bI(?:'ve|\s+have)?\s+(?:(?:just|recently|finally|since|actually)\s+)?"
    r"(?:moved|relocated)(?:\s+back)?\s+(?:here\s+)?to\s+",
    # "I work night shifts in Dublin"
    rf"\bI\s+(?:work|teach|study|manage|run|practi[cs]e)(?:{_HOME_WORD}){{0,6}}?\s+in\s+",
    # "I'm a solicitor at a small firm in Edinburgh", "I'm Chinedu, a DevOps engineer in Lagos"
    rf"{_I_AM}(?:{_HOME_WORD}){{0,5}}?\s+(?:an?|the)(?:{_HOME_WORD}){{1,8}}?\s+in\s+",
    # "I work remotely from Tallinn", "I'm working out of Lisbon"
    rf"(?:\bI|{_I_AM})\s+(?:(?:currently|now|mostly|mainly|usually|also)\s+)?work(?:ing)?\s+"
    r"(?:remotely\s+|from\s+home\s+in\s+)?(?:from|out\s+of)\s+",
    # "I've lived in Oslo for ten years", "I've been living in Lima since 2019"
    r"\bI(?:'ve|\s+have)\s+(?:(?:now|actually)\s+)?(?:lived|been\s+living)\s+in\s+"
    r"(?=[^.!?\n]{2,40}?\b(?:for|since)\b)",
    # "flying back home to Atlanta", "heading home to Leeds tomorrow"
    r"\b(?:fly|flying|flew|going|go|head|heading|drive|driving|get|getting|travel|travell?ing"
    r"|come|coming|back)\s+(?:back\s+)?home\s+to\s+",
)
# "... in Zurich, flying there weekly": the rest of the clause makes it a trip.
_NOT_A_TRIP: Final = (
    r"(?![^.!?\n]{0,40}?\b(?:(?:this|next|for\s+the)\s+(?:week|weekend|month|summer|trip)"
    r"|flying|visiting|trip|vacation|holiday|conference)\b)"
)
# "... but I'm in Toronto, what's the time difference?": where the user is. Trusted only in a
# turn that says nothing of a trip, of time spent there or of sights ("I'm in Rome! Must-sees?").
_BARE_IN_CITY: Final = re.compile(rf"{_I_AM}\s+(?:also\s+)?in\s+{_CITY}", _I)
_PASSING_STAY: Final = re.compile(
    r"\b(?:for|until|till|this|next|today|tonight|tomorrow|now|moment|visiting|visit|trip"
    r"|vacation|holiday|holidays|conference|business|layover|stopover|hotel|hostel|airbnb"
    r"|airport|staying|stuck|jet\s*lag\w*|landed|arrived|flew|flying|currently|temporarily"
    r"|tour\w*|honeymoon|wedding|festival|week|weekend|month|days|eat|see|explore|sights?"
    r"|sightseeing|museums?|restaurants?|bars?|nightlife|things\s+to\s+do|tips|must-sees?"
    r"|spots?|attractions?|first-timer|itinerary|recommend\w*|neighbou?rhoods?|beach\w*)\b",
    _I,
)
_HOME_CITY_PATTERNS: Final[tuple[re.Pattern[str], ...]] = (
    re.compile(rf"(?:{'|'.join(_HOME_TRIGGERS)}){_CITY}{_NOT_A_TRIP}", _I),
    # "Morning! Lars Eriksen, data analyst at Equinor in Stavanger" as the turn's opening; the
    # words before the comma must read as a name (see ``_detect_timezone``)
    re.compile(
        rf"^\s*{_GREETING}?(?P<intro>(?-i:[A-Z][\w'-]+(?:[ \t]+[A-Z][\w'-]+){{1,2}}))\s*,"
        rf"(?:\s+(?:an?|the))?(?:{_HOME_WORD}){{1,8}}?\s+in\s+{_CITY}{_NOT_A_TRIP}",
        _I,
    ),
    # "I'm a Berlin-based designer"
    re.compile(rf"{_I_AM}\s+(?:an?\s+)?\b(?P<city>{_alternation(_CITY_SPELLINGS)})-based\b", _I),
    # "... from Vancouver, where I live"
    re.compile(rf"{_CITY}\s*,?\s+where\s+I\s+(?:live|work|am\s+based|'m\s+based)\b", _I),
)
_ZONE_NAME: Final = (
    r"(?P<iana>(?:Africa|America|Asia|Atlantic|Australia|Europe|Indian|Pacific)/[A-Za-z_]+"
    r"(?:/[A-Za-z_]+)?)"
    rf"|(?P<phrase>{_alternation(_ZONE_PHRASE_ZONES)})\s+(?:standard\s+)?time(?:\s*zone)?\b"
    rf"|(?P<abbr>(?-i:{_alternation(_ZONE_ABBREVIATION_ZONES, fold_case=False)}))\b"
    rf"|{_CITY}\s+time\b"
)
# "I'm on US Eastern time", "my timezone is Europe/Berlin"
_STATED_ZONE: Final = re.compile(
    rf"(?:{_I_AM}\s+(?:on|in|using)\s+(?:the\s+)?"
    rf"|\bmy\s+(?:time\s*zone|tz|local\s+time)\s+is\s+(?:the\s+)?)(?:{_ZONE_NAME})",
    _I,
)
# "please give all times in UK time": the user's own zone, unless the times are for someone else
_TIMES_IN_ZONE: Final = re.compile(
    r"\b(?:give|show|tell|put|list|write|quote|express|keep|use)\s+(?:me\s+)?(?:all\s+|the\s+"
    r"|any\s+)?(?:times|hours|meeting\s+times|dates\s+and\s+times)\s+in\s+(?:the\s+)?"
    rf"(?:{_ZONE_NAME})"
    r"(?![^.!?\n]*\b(?:for|of)\s+(?:my|our|his|her|their|the|an?)\s+(?!own\b))",
    _I,
)


# Cheap tests: no rule can find a zone in a turn that names no city and no zone.
_CITY_WORD: Final = re.compile(rf"\b(?:{_alternation(_CITY_SPELLINGS)})", _I)
_ZONE_WORD: Final = re.compile(_ZONE_NAME, _I)


def _zone_of(match: re.Match[str]) -> str | None:
    """The IANA zone named by whichever group of ``match`` took part."""
    groups = match.groupdict()
    zone: str | None = None
    if groups.get("iana"):
        zone = _ZONES_BY_FOLDED.get(groups["iana"].casefold())
    elif groups.get("phrase"):
        zone = _ZONE_PHRASE_ZONES.get(" ".join(groups["phrase"].casefold().split()))
    elif groups.get("abbr"):
        zone = _ZONE_ABBREVIATION_ZONES.get(groups["abbr"])
    elif groups.get("city"):
        zone = _CITY_ZONES.get(" ".join(_fold(groups["city"]).split()))
    return zone if zone in _KNOWN_ZONES else None


def _detect_timezone(text: str) -> str | None:
    """The zone of the place the user lives or works in, or of the zone they say they are on.

    When a turn names several, the last one wins ("I lived in Chicago, then moved to Denver").
    """
    if not (_CITY_WORD.search(text) or _ZONE_WORD.search(text)):
        return None
    found: list[tuple[int, str]] = []
    patterns = (_STATED_ZONE, _TIMES_IN_ZONE, *_HOME_CITY_PATTERNS)
    if not _PASSING_STAY.search(text):
        patterns += (_BARE_IN_CITY,)
    for pattern in patterns:
        for match in pattern.finditer(text):
            intro = match.groupdict().get("intro")
            if intro and not all(_is_name_token(word) for word in intro.split()):
                continue
            zone = _zone_of(match)
            if zone:
                found.append((match.end(), zone))
    return max(found)[1] if found else None


# --------------------------------------------------------------------------------------------
# Answer preferences and expertise
# --------------------------------------------------------------------------------------------

_ANSWERS: Final = r"(?:answers|replies|responses|explanations)"
_ONE_OFF: Final = re.compile(
    r"\b(?:this\s+time|for\s+now|for\s+this(?:\s+one|\s+question|\s+answer)?|just\s+this\s+once"
    r"|right\s+now|today)\b",
    _I,
)
# "short answers in this quiz", "simple words in the kids' story": about a piece of content
# being made, not about how to answer the user.
_CONTENT_TARGET: Final = re.compile(
    r"\b(?:in|for|of)\s+(?:this|that|the|my|our|a|an)\s+(?:[\w-]+'?\s+)?(?:quiz|test|exam|faq"
    r"|story|stories|email|post|letter|doc|document|article|essay|list|slides?|deck|tweet"
    r"|presentation|report|page|script|form|survey|poem|speech|card|message|caption|ad|book"
    r"|press\s+release|docs|documentation|readme|proposal|summary|bio|resume|cv|newsletter|memo"
    r"|blog|thread|comments?|invite|invitation|announcement|description|pitch|abstract|paper"
    r"|chapter|lesson|worksheet|toast|note|notes|review|sign|label|menu|flyer|brochure|wiki"
    r"|manual|guide|tutorial|course|handout|agenda|minutes|contract|policy|ticket)\b",
    _I,
)
# "I like ...": a standing preference in the user's own words.
_I_LIKE: Final = (
    r"(?:I\s+(?:really\s+|much\s+|generally\s+|usually\s+|always\s+)?(?:like|prefer|love|want"
    r"|need|appreciate|enjoy)|I'd\s+(?:like|prefer|appreciate)|(?:I\s+)?would\s+(?:like|prefer"
    r"|appreciate)|^\W*prefer)"
)
# Also requests; only trusted next to a plural noun such as "answers", which makes them general.
_LIKE: Final = rf"(?:{_I_LIKE}|give\s+me|stick\s+to|please|pls|plz)"
# Up to two words before the one that matters: "I like long, detailed explanations". Not a
# count or a determiner: "give me three short answers" asks for three answers, once.
_ADJECTIVES: Final = (
    r"(?:(?!(?:\d+|an?|the|these|those|this|that|one|two|three|four|five|six|seven|eight|nine"
    r"|ten|few|some)\b)[\w-]+,?\s+){0,3}"
)
# Words for each answer length, for "short answers work best for me" and the like.
_CONCISE_WORDS: Final = r"(?:short|shorter|brief|concise|quick|terse|compact|succinct|snappy)"
_DETAILED_WORDS: Final = (
    r"(?:long|longer|detailed|thorough|in-depth|comprehensive|lengthy|deep|elaborate|extensive)"
)
_BALANCED_WORDS: Final = r"(?:medium|medium-length|mid-length|moderate|moderate-length|balanced)"
# "... answers work best for me", "... replies are ideal"
_SUIT_ME: Final = (
    rf"(?:,?\s+(?:and\s+)?[\w-]+)?\s+{_ANSWERS}\s+(?:are|work|suit\s+me)\s+(?:\w+\s+)?"
    r"(?:best|better|ideal|great|perfect|preferred)(?:\s+for\s+me\b|\s*(?:[.!,;:]|$))"
)
# "I hate long answers", "I can't stand walls of text"
_I_DISLIKE: Final = (
    r"\bI\s+(?:really\s+|just\s+)?(?:hate|dislike|can't\s+stand|don't\s+like|do\s+not\s+like"
    r"|don't\s+need|don't\s+want)"
)
_LENGTH_PATTERNS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = tuple(
    (value, re.compile(pattern, _I))
    for value, pattern in (
        ("balanced", r"\bnot\s+too\s+short\W+(?:(?:and|but|or)\s+)?not\s+too\s+long\b"),
        ("balanced", r"\bnot\s+too\s+long\W+(?:(?:and|but|or)\s+)?not\s+too\s+short\b"),
        ("balanced", r"\b(?:that|this)\s+length\s+(?:is|was)\s+(?:just\s+)?(?:right|perfect)"),
        ("balanced", rf"\bmedium[-\s]length\s+{_ANSWERS}"),
        (
            "concise",
            rf"\b(?:keep|make)\s+(?:your\s+|the\s+|my\s+)?{_ANSWERS}\s+(?:\w+\s+)?"
            r"(?:short|brief|concise|tight|to\s+the\s+point)\b",
        ),
        (
            "concise",
            rf"\b{_LIKE}\s+{_ADJECTIVES}(?:short|brief|concise|shorter|quick|terse)\s+{_ANSWERS}",
        ),
        ("concise", rf"\b(?:short|brief|concise)\s+{_ANSWERS}\s+(?:please|pls|plz)\b"),
        ("concise", rf"\bno\s+(?:long|lengthy)\s+{_ANSWERS}"),
        (
            "concise",
            rf"\b{_STANDING}\b[^.!?\n]{{0,20}}?\b(?:be|keep\s+it|keep\s+them)\s+"
            r"(?:short|brief|concise)\b",
        ),
        (
            "detailed",
            rf"\b{_LIKE}\s+{_ADJECTIVES}(?:detailed|thorough|in-depth|long|longer|comprehensive"
            rf"|lengthy|step-by-step)\s+{_ANSWERS}",
        ),
        ("detailed", r"\bdon't\s+hold\s+back\s+on\s+(?:the\s+)?details?\b"),
        ("detailed", r"\bthe\s+more\s+detail\s+the\s+better\b"),
        # "Long detailed answers are best for me", "medium-length answers work best"
        ("concise", rf"\b{_CONCISE_WORDS}{_SUIT_ME}"),
        ("detailed", rf"\b{_DETAILED_WORDS}{_SUIT_ME}"),
        ("balanced", rf"\b{_BALANCED_WORDS}{_SUIT_ME}"),
        # "keep it brief in general"
        (
            "concise",
            r"\bkeep\s+(?:it|them|things|everything)\s+(?:short|brief|concise|tight|snappy)\b"
            rf"[^.!?\n]{{0,30}}?\b{_STANDING}\b",
        ),
        # "I hate long answers", "stop writing essays", "two or three sentences is plenty for me"
        (
            "concise",
            rf"{_I_DISLIKE}\s+(?:\w+\s+)?(?:long|lengthy|wordy|verbose|long-winded)\s+"
            rf"(?:{_ANSWERS}|texts?|messages)\b|{_I_DISLIKE}\s+(?:walls?\s+of\s+text|essays)\b",
        ),
        (
            "concise",
            r"\b(?:stop|quit)\s+(?:writing|giving\s+me|sending\s+me)\s+(?:me\s+)?(?:essays|novels"
            r"|walls?\s+of\s+text)\b|\bno\s+(?:more\s+)?(?:essays|novels|walls?\s+of\s+text)\b"
            r"|\bdon't\s+write\s+(?:me\s+)?(?:essays|novels|walls?\s+of\s+text)\b",
        ),
        (
            "concise",
            r"\b(?:a\s+few|a\s+couple\s+of|one|two|three|\d)\s+(?:or\s+(?:two|three|four|\d)\s+)?"
            r"(?:sentences?|lines?|bullets?|bullet\s+points)\s+(?:is|are)\s+(?:plenty|enough|fine"
            r"|all\s+I\s+need)\s+for\s+me\b",
        ),
    )
)
# "keep your answers ...", "make the replies ...", "keep your tone ...": about every answer
_YOUR_ANSWERS: Final = (
    rf"(?:\b(?:keep|make)\s+(?:your\s+|the\s+)?{_ANSWERS}|\bkeep\s+your\s+(?:tone|language))"
)
_STYLE_PATTERNS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = tuple(
    (value, re.compile(pattern, _I))
    for value, pattern in (
        ("formal", rf"\b{_LIKE}\s+(?:\w+\s+)?formal\s+(?:{_ANSWERS}|tone|language)"),
        ("formal", rf"\bformal\s+{_ANSWERS}\s+(?:please|pls)"),
        ("casual", rf"\b{_LIKE}\s+(?:\w+\s+)?casual\s+(?:{_ANSWERS}|tone|language)"),
        ("casual", rf"\bcasual\s+(?:{_ANSWERS}|tone)\s+(?:please|pls|plz)\b"),
        ("casual", r"\bno\s+corporate\s+(?:speak|talk|jargon)\b"),
        ("technical", r"\bbe\s+as\s+technical\s+as\s+you\s+(?:like|want)\b"),
        ("technical", r"\bfeel\s+free\s+to\s+(?:be|get)\s+(?:very\s+)?technical\b"),
        ("technical", rf"\b{_LIKE}\s+(?:\w+\s+)?technical\s+(?:{_ANSWERS}|detail)"),
        ("simplified", r"\bexplain\s+(?:things|everything|stuff)\s+(?:simply|plainly)\b"),
        ("simplified", r"\buse\s+(?:simple|plain|easy)\s+(?:words|language|english|terms)\b"),
        ("simplified", r"\bkeep\s+(?:things|everything|it\s+all)\s+simple\b"),
        # "keep your answers casual", "keep explanations simple"
        (
            "casual",
            rf"{_YOUR_ANSWERS}\s+(?:\w+\s+)?"
            r"(?:casual|informal|relaxed|chill|friendly)\b",
        ),
        (
            "formal",
            rf"{_YOUR_ANSWERS}\s+(?:\w+\s+)?"
            r"(?:formal|professional)\b",
        ),
        (
            "simplified",
            rf"{_YOUR_ANSWERS}\s+(?:\w+\s+)?"
            r"(?:simple|plain|basic|jargon-free)\b",
        ),
        (
            "technical",
            rf"{_YOUR_ANSWERS}\s+(?:\w+\s+)?"
            r"technical\b",
        ),
        # "I would prefer that you address me formally", "kindly respond in a formal manner"
        (
            "formal",
            r"\b(?:address|speak\s+to|talk\s+to|write\s+to|treat)\s+me\s+(?:more\s+)?formally\b"
            r"|\b(?:respond|reply|answer|write|speak|talk)\s+(?:to\s+me\s+)?(?:in\s+)?(?:a\s+)?"
            r"(?:more\s+)?(?:formal|professional)\s+(?:manner|way|tone|register|style)\b",
        ),
        (
            "casual",
            r"\b(?:talk|speak|write|respond|reply|answer)\s+(?:to\s+me\s+)?(?:more\s+)?"
            r"(?:casually|informally)\b"
            r"|\b(?:respond|reply|answer|write|speak|talk)\s+(?:to\s+me\s+)?(?:in\s+)?(?:a\s+)?"
            r"(?:more\s+)?(?:casual|informal|relaxed|friendly)\s+(?:manner|way|tone|register"
            r"|style)\b"
            # "talk to me like a normal person", "no need to be formal with me"
            r"|\btalk\s+to\s+me\s+like\s+(?:a|an|you\s+would\s+to\s+a)\s+(?:normal\s+|regular\s+)?"
            r"(?:person|friend|human|buddy|mate|pal)\b"
            r"|\bno\s+need\s+to\s+be\s+(?:so\s+)?(?:formal|polite)(?:\s+with\s+me\b"
            r"|\s*(?:[.!,;:]|$))"
            r"|\b(?:you\s+can|feel\s+free\s+to)\s+be\s+(?:casual|informal)\b",
        ),
        # "formal in all your replies"
        (
            "formal",
            rf"\b(?:formal"
            rf"|professional)\b[^.!?\n]{{0,30}}?\bin\s+(?:all\s+)?(?:of\s+)?your\s+{_ANSWERS}",
        ),
        (
            "casual",
            rf"\b(?:casual"
            rf"|informal)\b[^.!?\n]{{0,30}}?\bin\s+(?:all\s+)?(?:of\s+)?your\s+{_ANSWERS}",
        ),
        # "just explain things in plain terms", "avoid jargon"
        (
            "simplified",
            r"\bexplain\s+(?:things|everything|stuff)\s+(?:to\s+me\s+)?(?:in|using|with)\s+"
            r"(?:plain|simple|layman'?s?|easy|everyday|basic)\s+(?:terms|words|language|english)\b"
            r"|\b(?:avoid|no|without|skip|minimal|minimum)\s+(?:the\s+|any\s+)?(?:technical\s+)?"
            r"jargon\b(?!\s+(?:in|for)\s+(?:the|this|that|my|our|a|an|his|her|their)\b)",
        ),
        # "don't dumb it down", "don't simplify anything"
        (
            "technical",
            r"\b(?:don't|do\s+not|no\s+need\s+to)\s+(?:dumb\s+(?:it|things|anything|stuff)\s+down"
            r"|simplify\s+(?:anything|things|stuff|it\s+for\s+me))\b",
        ),
        # "technical answers are fine", "a casual tone is best"
        (
            "technical",
            rf"\btechnical\s+(?:{_ANSWERS}|language|terms|details?|depth)\s+(?:is|are)\s+"
            r"(?:fine|ok|okay|welcome|great|preferred|best)\b",
        ),
        (
            "casual",
            rf"\b(?:casual|informal)\s+(?:{_ANSWERS}|language|tone)\s+(?:is|are)\s+"
            r"(?:fine|ok|okay|welcome|great|preferred|best)\b",
        ),
    )
)
_CODE_PATTERNS: Final[tuple[tuple[bool, re.Pattern[str]], ...]] = tuple(
    (value, re.compile(pattern, _I))
    for value, pattern in (
        (
            True,
            r"\b(?:always|when(?:ever)?\s+(?:you\s+can|possible)|by\s+default|every\s+time"
            r"|in\s+every\s+answer|from\s+now\s+on)\b[^.!?\n]{0,40}?\bcode\s+"
            r"(?:examples|snippets|samples)\b",
        ),
        (
            True,
            r"\bcode\s+(?:examples|snippets|samples)\b[^.!?\n]{0,40}?\b(?:when(?:ever)?\s+"
            r"(?:you\s+can|possible)|always|by\s+default|from\s+now\s+on|help\s+me)\b",
        ),
        (True, rf"\b{_I_LIKE}\s+(?:\w+\s+)?code\s+(?:examples|snippets|samples)\b(?!\s+for\b)"),
        (
            False,
            r"\b(?:skip|no|without|leave\s+out|spare\s+me)\s+(?:the\s+)?code\b[^.!?\n]{0,40}?"
            r"\b(?:concepts?|ideas?|explain|words)\b",
        ),
        (
            False,
            r"\b(?:I\s+don't|I\s+do\s+not|never)\s+(?:really\s+)?(?:want|need|like)\s+(?:any\s+)?"
            r"code(?:\s+(?:examples?|snippets?|samples?)\b(?!\s+for\b)|\s*(?=[,.;!:]|$|\s+(?:please"
            r"|pls|thanks|just|only|in\s+(?:your|the)\s+(?:answers|replies|responses))\b))",
        ),
        (
            False,
            r"\b(?:avoid|skip|leave\s+out|no)\s+(?:the\s+|any\s+)?code\s+(?:examples?\s+"
            r"|snippets?\s+)?"
            rf"in\s+(?:your\s+|the\s+)?{_ANSWERS}",
        ),
        # "Whenever you explain something, show me a code snippet", "always give code samples"
        (
            True,
            r"\b(?:always|when(?:ever)?\s+(?:you\s+can|possible|you\s+\w+)|by\s+default"
            r"|every\s+time"
            r"|in\s+every\s+answer|from\s+now\s+on|in\s+general|going\s+forward)\b[^.!?\n]{0,40}?"
            r"\b(?:include|show|give|add|provide|use|write|put|attach)\w*\s+(?:me\s+)?"
            r"(?:(?!code\b)[\w-]+\s+){0,2}code\s+(?:examples?|snippets?|samples?)\b",
        ),
        (
            True,
            r"\b(?:include|show|give|add|provide"
            r"|attach)\w*\s+(?:me\s+)?(?:(?!code\b)[\w-]+\s+){0,2}"
            r"code\s+(?:examples?|snippets?|samples?)\b[^.!?\n]{0,40}?\b(?:whenever|always"
            r"|every\s+time|from\s+now\s+on|going\s+forward|in\s+general|by\s+default)\b",
        ),
        (
            True,
            r"\bI\s+learn\s+(?:best|better|faster|more)\s+(?:from|with"
            r"|through)\s+(?:\w+\s+)?code\b",
        ),
    )
)
# "beginner" as typed, typos included: "begginer", "beginer".
_BEGINNER: Final = r"(?:beg{1,2}in{1,2}er|novice|newbie|newb|noob|n00b)\b(?!')"
_BEGINNER_MODIFIERS: Final = (
    r"(?:(?:a|an|still|just|only|very|really|pretty|fairly|quite|kind\s+of|sort\s+of|total"
    r"|complete|absolute|relatively|brand|super|totally|completely|basically|honestly"
    r"|actually)\s+){0,4}"
)
_LEVEL_MODIFIERS: Final = (
    r"(?:(?:a|an|at\s+an?|pretty|fairly|quite|somewhat|probably|maybe|solidly|kind\s+of"
    r"|sort\s+of|like|about|around|actually|really|still|very|an?\s+(?:solid|strong))\s+){0,4}"
)
# "new to the team" or "new to Berlin" says nothing about skill.
_NOT_A_SUBJECT: Final = (
    r"(?!(?:here|town|(?:this|the|my|our)\s+(?:city|area|country|town|team|company|job|role"
    r"|position|neighbou?rhood|office|place|school|site|app|chat|forum|server|community|group"
    rf"|channel)|{_CITY})\b)"
)
# Year counts that read as expert; smaller ones are not worth spelling out.
_COUNT_WORDS: Final[Mapping[str, int]] = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
}
_DECADES: Final[Mapping[str, int]] = {"a decade": 10, "over a decade": 10, "two decades": 20}
_YEARS: Final = (
    rf"(?P<years>(?:\d{{1,2}}|{_alternation(_COUNT_WORDS)})\+?\s*(?:years|yrs)\b"
    rf"|{_alternation(_DECADES)})"
)
_EXPERTISE_PATTERNS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = tuple(
    (value, re.compile(pattern, _I))
    for value, pattern in (
        ("beginner", rf"{_I_AM}\s+{_BEGINNER_MODIFIERS}{_BEGINNER}(?!\s*\?)"),
        ("beginner", rf"{_I_AM}\s+{_BEGINNER_MODIFIERS}new\s+(?:to|at|with)\s+{_NOT_A_SUBJECT}"),
        # "I'm 70 and new to smartphones", "I'm a nurse and totally new to Excel"
        (
            "beginner",
            rf"{_I_AM}\s+[^.!?;\n]{{0,30}}?\band\s+{_BEGINNER_MODIFIERS}new\s+(?:to|at|with)\s+"
            rf"{_NOT_A_SUBJECT}",
        ),
        # "this is my first time using Docker", "I've never programmed before"
        (
            "beginner",
            r"\b(?:this\s+is|it's|it\s+is)\s+my\s+(?:very\s+)?first\s+time\s+(?:ever\s+)?(?:using"
            r"|coding|programming|writing\s+code|touching|working\s+with|learning)\b",
        ),
        (
            "beginner",
            r"\bI(?:'ve|\s+have)\s+never\s+(?:programmed|coded|written\s+(?:a\s+line\s+of\s+)?code)"
            r"\b(?:\s+(?:before|in\s+my\s+life|at\s+all|ever)\b|\s*(?:[.!,;:]|$))",
        ),
        (
            "beginner",
            r"\bI(?:'ve|\s+have)?\s+just\s+started\s+(?:learning|coding|programming|using)\b",
        ),
        ("intermediate", rf"{_I_AM}\s+{_LEVEL_MODIFIERS}intermediate\b(?!\s*\?)"),
        ("intermediate", r"\bI'd\s+(?:say|call)\s+(?:I'm\s+|myself\s+)?(?:an?\s+)?intermediate"),
        # "I'm somewhere in the middle with Rust"
        (
            "intermediate",
            rf"{_I_AM}\s+(?:(?:somewhere|kind\s+of|sort\s+of|probably|roughly)\s+)?(?:in\s+the\s+"
            r"middle|middle\s+of\s+the\s+road)\s+(?:with|at|in|when\s+it\s+comes\s+to)\b",
        ),
        # "I'd consider myself pretty advanced", "I would rate myself as a beginner"
        *(
            (
                level,
                r"\bI(?:'d|\s+would)?\s+(?:consider|call|rate|describe|class|count|see)\s+myself\s+"
                rf"(?:as\s+)?{_LEVEL_MODIFIERS}(?:an?\s+)?{word}\b(?!\s*\?)",
            )
            for level, word in (
                ("beginner", _BEGINNER),
                ("intermediate", "intermediate"),
                ("advanced", "advanced"),
                ("expert", "expert"),
            )
        ),
        # "Intermediate-level Spanish speaker here", "total beginner here"
        *(
            (
                level,
                rf"(?:^|(?<=[.!?\n]))\W*(?:an?\s+)?{_BEGINNER_MODIFIERS}{word}(?:[-\s]level)?\s+"
                r"(?:[\w+#.-]+\s+){0,3}?(?:here|speaker|user|dev|developer|programmer|coder)\b"
                r"(?!\s*\?)",
            )
            for level, word in (
                ("beginner", _BEGINNER),
                ("intermediate", "intermediate"),
                ("advanced", "advanced"),
                ("expert", "expert"),
            )
        ),
        ("advanced", rf"{_I_AM}\s+{_LEVEL_MODIFIERS}advanced\b(?!\s*\?)"),
        ("expert", rf"{_I_AM}\s+{_LEVEL_MODIFIERS}(?:an?\s+)?expert\b(?!\s*\?)"),
        # "I know Postgres inside out"
        (
            "expert",
            r"\bI\s+know\s+[^.!?\n]{1,30}?\b(?:inside\s+(?:and\s+)?out|like\s+the\s+back\s+of\s+my"
            r"\s+hand)\b(?!\s*\?)",
        ),
    )
)
# "I've worked in compilers for 15 years", "I have 12 years of experience with Go"
_EXPERIENCE: Final[tuple[re.Pattern[str], ...]] = (
    re.compile(
        r"(?:\bI(?:'ve|\s+have)\s+|(?:^|(?<=[.!?,;:\n]))\s*(?=been\s))"
        r"(?:been\s+)?(?:worked|working|coded|coding|programmed|programming"
        r"|used|using|done|doing|written|writing|built|building|taught|teaching|developed"
        r"|developing|practi[cs]ed|practi[cs]ing)\b[^.;!?\n]{0,50}?\bfor\s+(?:over\s+|more\s+than"
        rf"\s+|about\s+|almost\s+|nearly\s+|around\s+|the\s+(?:last|past)\s+)?{_YEARS}",
        _I,
    ),
    re.compile(
        r"\bI(?:'ve|\s+have)\s+(?:got\s+)?(?:over\s+|more\s+than\s+|about\s+|almost\s+|nearly\s+)?"
        rf"{_YEARS}\s+(?:of\s+)?(?:professional\s+|industry\s+|hands-on\s+)?experience\b"
        r"(?!\s*\?)",
        _I,
    ),
)


# "I've been a DBA for 12 years": a job held that long. Not "a member", "a vegetarian".
_YEARS_AS: Final = re.compile(
    r"(?:\bI(?:'ve|\s+have)\s+|(?:^|(?<=[.!?,;:\n]))\s*)been\s+(?:an?\s+)?(?:professional\s+)?"
    r"(?P<job>(?:[\w-]+\s+){0,2}?(?:[\w-]+(?:er|or|ist|eer|ect)|dba|dev|sre|qa|ux|cpa|nurse"
    r"|chef|cook|pilot|surgeon|physician|medic|paralegal|clerk|analyst|mechanic|electrician"
    r"|plumber|machinist|technician|barista|dentist|pharmacist|radiologist|pediatrician"
    r"|translator|librarian|architect|statistician|mathematician|economist))"
    rf"\s+for\s+(?:over\s+|more\s+than\s+|about\s+|almost\s+|nearly\s+|around\s+)?{_YEARS}",
    _I,
)
_NOT_A_JOB: Final[frozenset[str]] = _word_set(
    """
    member customer user subscriber fan follower reader viewer listener player supporter
    vegetarian vegan smoker nonsmoker non-smoker drinker runner gamer owner renter tenant
    homeowner voter donor patron lover sufferer survivor caregiver mother father parent
    partner believer
    """
)


def _first_standing(text: str, patterns: tuple[tuple[_T, re.Pattern[str]], ...]) -> _T | None:
    """The value of the first pattern matching a sentence that is not a one-off request."""
    for sentence in _sentences(text):
        if _ONE_OFF.search(sentence) or _CONTENT_TARGET.search(sentence):
            continue
        for value, pattern in patterns:
            if pattern.search(sentence):
                return value
    return None


_LEADING_NUMBER: Final = re.compile(r"\d+|[a-z]+")


def _years(phrase: str) -> int:
    """The number of years in "15 years", "fifteen yrs" or "a decade"."""
    folded = " ".join(phrase.casefold().split())
    if folded in _DECADES:
        return _DECADES[folded]
    number = _LEADING_NUMBER.match(folded)
    if number is None:
        return 0
    return int(number[0]) if number[0].isdigit() else _COUNT_WORDS.get(number[0], 0)


# A word that every expertise rule needs; turns without one are skipped cheaply.
_LEVEL_CUE: Final = re.compile(
    r"beg|novice|newb|noob|n00b|intermediate|advanced|expert|middle|started|\bnew\s+(?:to|at"
    r"|with)\b"
    r"|first\s+time|never|inside|back\s+of\s+my\s+hand|\byears?\b|\byrs\b|decades?",
    _I,
)


def _detect_expertise(text: str) -> str | None:
    """The level the user states for themself; ten years or more of practice reads as expert."""
    if not _LEVEL_CUE.search(text):
        return None
    level = _first_standing(text, _EXPERTISE_PATTERNS)
    if level:
        return level
    for pattern in _EXPERIENCE:
        for match in pattern.finditer(text):
            if _years(match["years"]) >= 10:
                return "expert"
    for match in _YEARS_AS.finditer(text):
        job = match["job"].casefold().split()
        if _years(match["years"]) >= 10 and job[-1] not in _NOT_A_JOB:
            return "expert"
    return None


# --------------------------------------------------------------------------------------------
# The gate
# --------------------------------------------------------------------------------------------

# A clause-initial "I": not "how do I", "can I", "if I" (questions and conditionals).
_SUBJECT_I: Final = (
    r"(?<!\bdo\s)(?<!\bdid\s)(?<!\bcan\s)(?<!\bcould\s)(?<!\bshould\s)(?<!\bwould\s)"
    r"(?<!\bwill\s)(?<!\bhow\s)(?<!\bshall\s)(?<!\bmay\s)(?<!\bmight\s)(?<!\bmust\s)"
    r"(?<!\bam\s)(?<!\bwhat\s)(?<!\bwhere\s)\b(?:I|we)\b"
)
_GATE_PATTERNS: Final[tuple[re.Pattern[str], ...]] = tuple(
    re.compile(pattern, _I)
    for pattern in (
        # --- who the user is and where they work: role, organization, domains
        rf"{_I_AM}\s+(?:(?:also|actually|currently|now|just|still|basically|more\s+of|kind\s+of"
        r"|sort\s+of)\s+)*(?:a|an|the)\b(?!\s+(?:bit|little|tad|lot)\b)",
        rf"{_I_AM}\s+(?:now\s+)?at\s+(?-i:[A-Z])",
        r"\bas\s+an?\s+[\w-]+(?:\s+[\w-]+){0,3}\s*,?\s+(?:I|I'm|my|we)\b",
        r"(?:^|[.!?]\s+)(?:currently|now|formerly|recently)\s+(?:a|an|at|in|working|based)\b",
        r"\bI\s+do\s+(?:\w+\s+){0,2}(?:work|development|research|consulting|design|freelanc\w*)\b",
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
        rf"{_I_AM}\s+(?:(?:currently|now|still|also|actively|actually)\s+)*(?:working|studying"
        r"|teaching|employed|based|located|living|retired|unemployed|self-employed|freelancing"
        r"|pursuing|enrolled|majoring|building|making|developing|writing|creating|designing"
        r"|migrating|porting|rewriting|refactoring|maintaining|running|leading|managing"
        r"|launching|learning|researching|preparing|training|doing|using|handling|organi[sz]ing"
        r"|coordinating|supporting|hosting|responsible|in\s+charge|new|fluent|bilingual|native"
        r"|from|putting\s+together|part\s+of|with\s+(?-i:[A-Z])\w*)\b"
        # "I'm making pasta tonight", "I'm writing an email to my boss" are passing activities
        r"(?![^.!?\n]*\b(?:tonight|today|tomorrow|this\s+(?:morning|afternoon|evening|weekend)))"
        r"(?!(?:(?<=writing)|(?<=making)|(?<=preparing)|(?<=creating)|(?<=doing))\s+(?:an?|the"
        r"|this|my|some)\s+(?:[\w-]+\s+)?(?:e-?mails?|messages?|letters?|texts?|repl(?:y|ies)"
        r"|presentations?|speech|toast|posts?|tweets?|cards?|lists?|notes?|cakes?|dinner|lunch"
        r"|breakfast|pasta|salad|soup|plans?|playlist|decision|mistake|calls?|reservation|booking"
        r"|appointment|budget|resume|cv|cover\s+letter)\b)",
        r"\bwe(?:'re|\s+are)\s+(?:a|an|all|mostly|on|using|moving|migrating|switching|building"
        r"|launching|developing|making|working|starting|running)\b",
        r"(?:^|[.!?]\s+)(?:(?:currently|now|still|also)\s+)?(?:working\s+on|building|developing"
        r"|making|writing|learning|studying|teaching|running|managing|leading)\b",
        r"\bI(?:'ve|\s+have)\s+been\s+(?:a|an|working|using|learning|coding|programming|teaching"
        r"|doing|studying|living|writing|building|developing|running|managing|leading)\b",
        r"\b(?:our|my)\s+(?:tech\s+)?(?:stack|codebase|setup|infra|infrastructure|pipeline"
        r"|platform|tooling|backend|frontend)\b",
        r"\b(?:right\s+now|these\s+days|lately|currently)\b[^.!?\n]{0,20}\b(?:I|we)\b",
        # "I do payroll for a living", "I mainly do data viz", "I specialize in tax law"
        r"\bfor\s+a\s+living\b|\bday\s+job\b|\bby\s+day\b"
        r"|\bI\s+(?:mostly|mainly|primarily|usually|also|only)\s+do\b"
        r"|\bI\s+(?:\w+\s+)?speciali[sz]e\s+in\b|\bI\s+focus\s+on\b"
        r"|\bI(?:\s+own|\s+co-?own|\s+co-?founded|\s+founded|\s+started|'ve\s+got|\s+have)\s+"
        r"(?:an?|my\s+own|the)\s+(?:[\w-]+\s+){0,2}"
        r"(?:business|company|shop|store|bakery|restaurant|cafe|café|agency|studio|firm|practice"
        r"|clinic|salon|startup|brand|farm|gym)\b",
        # "Nurse here, quick question", "Freelance photographer here", "Retired teacher, 68"
        r"(?:^|[.!?]\s+)\W*(?:an?\s+)?(?:(?!(?:is|are|was|were|it|the|this|that|click|tap|what|how"
        r"|why|where|who|stuck|new|not|still|just|I|I'm|im|you|we|they|he|she)\b)[\w-]+\s+){1,3}"
        r"here\b(?=\s*(?:[,.!:;\u2014\u2013-]|$))",
        r"^\W*(?:retired|former|ex-\w+|freelance|self-employed|semi-retired)\s",
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
        r"|stink)\s+at\b"
        r"|\bI\s+(?:always\s+|still\s+|just\s+)?find\s+[^.!?\n]{1,30}?\b(?:hard|difficult|confusing"
        r"|tricky|painful|overwhelming|intimidating)\b|\bnever\s+got\s+the\s+hang\b",
        r"\b(?:headache|nemesis|bane|nightmare|struggl\w*|frustrat\w*|annoy\w*|hate|can't\s+stand"
        r"|drives\s+me|hard\s+for\s+me|difficult\s+for\s+me|trouble\s+with|weak\s+spot"
        r"|always\s+(?:mess|screw|mix|forget|get)|keep\s+(?:messing|forgetting|getting)"
        r"|never\s+(?:remember|understand))\b",
        rf"{_I_AM}\s+(?:(?:really|pretty|very|quite|so|not)\s+)*(?:terrible|bad|awful|hopeless"
        r"|weak|rubbish|good|great|decent|comfortable|proficient|competent|not\s+great)"
        r"\s+(?:at|with|in)\b",
        # --- level and experience
        rf"(?:{_I_AM}|\bI'd\s+say|\bI\s+consider|\bmyself|\bI\s+(?:would\s+)?call\s+myself)"
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
        r"\bself-taught\b|\b(?:\d+|a\s+few|two|three|couple\s+of)\s+(?:years|months|weeks)\s+in\b",
        r"\bI\s+know\s+[^.!?\n]{1,30}?\b(?:well|inside\s+out)\b|\bI\s+(?:know|understand)\s+"
        r"(?:nothing|very\s+little|little|a\s+lot|a\s+bit)\s+about\b",
        # --- where the user is
        rf"{_I_AM}\s+(?:on|in)\b(?!\s+(?:a|an)\b)",
        r"\b(?:living|based|located)\s+(?:in|out\s+of)\b|\bwhere\s+I\s+(?:live|work|am\s+based"
        r"|'m\s+based)\b|\b(?:work|working)\s+remotely\b|\b(?:flying|heading|going|driving"
        r"|getting|coming)\s+(?:back\s+)?home\b",
        rf"{_I_AM}\s+(?:an?\s+)?[\w-]+-based\b",
        # --- names
        r"\bcalls?\s+me\b|\bgo\s+by\b|\baddress\s+me\b|\brefer\s+to\s+me\b|\bname(?:'s|\s+is)\b"
        r"|\bit's\s+(?-i:[A-Z])|\bhere\s*,\s*but\b",
        r"^\W*(?-i:[A-Z][a-z]+)\s+is\s+fine\W*$",
        # --- languages
        rf"{_LANG}(?:'s|\s+is|\s+are)\s+(?:also\s+)?(?:my|fine|ok|okay)\b",
        rf"\b(?:answer|reply|respond|write|talk)\s+(?:to\s+me\s+)?in\s+{_LANG}",
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
        r"\b(?:answers|replies|responses|explanations)\s+(?:are|were|have\s+been|tend\s+to\s+be)"
        r"\s+(?:too|a\s+bit|way|really|always|often)\b",
        r"\bI\s+(?:really\s+)?(?:like|love|prefer|hate|appreciate)\s+(?:it\s+)?when\s+you\b",
        r"\b(?:talk|speak|write|answer|reply|respond)\s+(?:to\s+me\s+)?(?:more\s+)?(?:casually"
        r"|formally|simply|technically|briefly|concisely|plainly)\b|\bdumb\s+(?:it|things|this)"
        r"\s+down\b|\bjargon\b|\beli5\b|\blayman",
        rf"\bexplain\s+(?:things|everything|stuff)\b|\b{_STANDING}\b",
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


def _gate_hits(text: str) -> bool:
    """Whether any gate cue appears in the cleaned ``text``."""
    return any(pattern.search(text) for pattern in _GATE_PATTERNS)


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def _detect_all(clean: str) -> dict[str, object]:
    """Every field the rules find in already-cleaned text."""
    name = _detect_name(clean)
    values: tuple[tuple[str, object], ...] = (
        ("name", name),
        ("preferred_name", _detect_preferred_name(clean, has_name=name is not None)),
        ("languages", _detect_languages(clean) or None),
        ("timezone", _detect_timezone(clean)),
        ("response_length", _first_standing(clean, _LENGTH_PATTERNS)),
        ("expertise_level", _detect_expertise(clean)),
        ("communication_style", _first_standing(clean, _STYLE_PATTERNS)),
        ("prefers_code_examples", _first_standing(clean, _CODE_PATTERNS)),
    )
    return {field: value for field, value in values if value is not None}


class SignalDetector:
    """Rule-based detector of profile facts in one user turn; offline, stateless, cheap.

    ``detect`` favours precision: it returns only what a rule can read directly, normalized as
    :class:`~langprofile.schema.UserProfile` stores it. ``is_relevant`` favours recall: use it to
    decide whether to run the LLM extractor on the turn. Instances hold no state and are safe to
    share between threads.
    """

    fields: ClassVar[tuple[str, ...]] = DIRECT_FIELDS
    """The keys ``detect`` may return."""

    def detect(self, text: str) -> dict[str, object]:
        """Profile fields stated directly in ``text``, keyed by field name.

        Values are normalized: ``languages`` is a list of English names, ``timezone`` an IANA
        name that ``zoneinfo`` can load, ``response_length``, ``expertise_level`` and
        ``communication_style`` are enum values of the schema, ``prefers_code_examples`` a
        bool. Fields not found are absent. Text the user quotes, pastes or writes as code, and
        turns spoken in character, yield nothing.
        """
        if _is_in_character(text):
            return {}
        return _detect_all(_prepare(text))

    def is_relevant(self, text: str) -> bool:
        """Whether ``text`` probably states, changes or retracts a profile fact about the user.

        Tuned for recall: a False means the LLM extractor can safely skip the turn; a True
        only means it is worth a look. Quoted text, code, conditionals and role-play do not
        count.
        """
        return self.analyze(text)[1]

    def analyze(self, text: str) -> tuple[dict[str, object], bool]:
        """``(detect(text), is_relevant(text))`` in one pass over the text."""
        if _is_in_character(text):
            return {}, False
        clean = _prepare(text)
        fields = _detect_all(clean)
        return fields, bool(fields) or _gate_hits(clean)

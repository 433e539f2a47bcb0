"""What automated writes may store: the ``Policy`` options and the reasons for discarding."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

from langprofile.config import MAX_LIST_ITEMS, MAX_STRING_CHARS

__all__ = ["REASONS", "Policy", "Reason", "Screened"]

Reason = Literal[
    "secret:card_number",
    "secret:ssn",
    "secret:national_id",
    "secret:password",
    "secret:api_key",
    "pii:email",
    "pii:phone",
    "low_confidence",
]

R_CARD: Final = "secret:card_number"
R_SSN: Final = "secret:ssn"
R_NATIONAL_ID: Final = "secret:national_id"
R_PASSWORD: Final = "secret:password"  # noqa: S105 (a reason label)
R_API_KEY: Final = "secret:api_key"
R_EMAIL: Final = "pii:email"
R_PHONE: Final = "pii:phone"
R_LOW_CONFIDENCE: Final = "low_confidence"

#: Every reason :func:`screen` can report, most severe first (the precedence among them).
REASONS: Final[tuple[Reason, ...]] = (
    R_CARD,
    R_SSN,
    R_NATIONAL_ID,
    R_PASSWORD,
    R_API_KEY,
    R_EMAIL,
    R_PHONE,
    R_LOW_CONFIDENCE,
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Policy:
    """What automated writes may store. Keyword-only construction; defaults are safe.

    Raises ``ValueError`` for a ``min_confidence`` outside 0..1 or bounds below 1.
    """

    store_emails: bool = False
    """Keep e-mail addresses found in extracted values."""
    store_phones: bool = False
    """Keep phone numbers found in extracted values."""
    min_confidence: float = 0.0
    """Fields whose extractor confidence (0..1) is below this are discarded."""
    max_list_items: int = MAX_LIST_ITEMS
    """Lists are de-duplicated case-insensitively and cut to this many items."""
    max_string_chars: int = MAX_STRING_CHARS
    """Strings are cleaned and truncated (not discarded) to this many characters."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_confidence <= 1.0:
            raise ValueError(f"min_confidence must be within 0..1, got {self.min_confidence!r}")
        if self.max_list_items < 1 or self.max_string_chars < 1:
            raise ValueError("max_list_items and max_string_chars must be at least 1")


@dataclass(frozen=True, slots=True)
class Screened:
    """The outcome of :func:`screen`.

    ``changes`` is what may be written (``None`` values are clears). ``discarded`` maps a field
    to the reason something in it was held back. A list field with only some items dropped
    appears in both: its remaining items in ``changes``, the reason for the first dropped item
    in ``discarded``.
    """

    changes: dict[str, Any]
    discarded: dict[str, str]


DEFAULT_POLICY: Final = Policy()

# A secret straddling the truncation point would be stored in part, so strings are scanned this
# far past ``max_string_chars``.
SCAN_MARGIN: Final = 256
# Lists are scanned a few times past the cap so that dropped secrets and duplicates do not make
# a list shorter than it could be.
LIST_SLACK: Final = 4
# Digit strings longer than this are not card numbers or SSNs; ``str(int)`` on huge ints raises.
MAX_CHECKED_INT: Final = 10**20

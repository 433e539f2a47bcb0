"""One string in, the most severe sensitive thing found in it out: the detectors in order."""

from __future__ import annotations

from langprofile.pipeline.policy.contact import EMAIL, has_phone
from langprofile.pipeline.policy.credentials import (
    PASSWORD_HINT,
    has_api_key,
    has_password,
)
from langprofile.pipeline.policy.identifiers import (
    CARD_MIN,
    DIGIT,
    NON_DIGITS,
    has_card,
    identifier_reason,
    prepare,
)
from langprofile.pipeline.policy.rules import (
    DEFAULT_POLICY,
    R_API_KEY,
    R_CARD,
    R_EMAIL,
    R_PASSWORD,
    R_PHONE,
    Policy,
)

__all__ = ["find_sensitive", "secret_reason"]


def secret_reason(text: str, digits: int) -> str | None:
    if digits >= CARD_MIN and has_card(text):
        return R_CARD
    if digits >= 4:
        reason = identifier_reason(text, digits)
        if reason is not None:
            return reason
    lower = text.lower()
    if PASSWORD_HINT.search(lower) and has_password(text):
        return R_PASSWORD
    return R_API_KEY if has_api_key(text, lower, digits) else None


def find_sensitive(text: str, policy: Policy = DEFAULT_POLICY) -> str | None:
    """Return the reason for the most severe sensitive thing in ``text``, or ``None``.

    Checks run in the order of :data:`REASONS`; of the policy only ``store_emails`` and
    ``store_phones`` matter here. Works on free text of any length (the cost is
    linear); full-width characters and invisible separators do not hide anything.
    """
    text = prepare(text)
    # Most detectors need some digits; counting them first lets ordinary words skip them all.
    digits = len(NON_DIGITS.sub("", text)) if DIGIT.search(text) else 0
    reason = secret_reason(text, digits)
    if reason is None and not policy.store_emails and "@" in text and EMAIL.search(text):
        reason = R_EMAIL
    if reason is None and not policy.store_phones and digits >= 7 and has_phone(text, digits):
        reason = R_PHONE
    return reason

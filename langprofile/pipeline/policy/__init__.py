"""The validation policy: what the one writer refuses or discards, for every source.

:func:`screen` takes the fields an extractor or an agent wants to write and returns what may be
written plus, for every field held back, a short stable reason (one of :data:`REASONS`) that the
caller counts as a metric. It is pure (no I/O, no model), never raises for JSON-like input and
never mutates its input. :func:`find_sensitive` applies the same detectors to one free-form
string (a memory, a note) and returns the reason for what it found, or ``None``.

What is never stored, whatever the policy (detection is rule based, tuned to miss little):

- ``secret:card_number``: 13-19 digits, optionally grouped by spaces or dashes, passing the Luhn
  check. Digit runs that fail Luhn (order ids, timestamps) are not flagged.
- ``secret:ssn``: a US social security number ``ddd-dd-dddd`` (or spaced) with a valid area,
  group and serial; any nine digits after "SSN" / "social security".
- ``secret:national_id``: a government or bank identifier stated with its name ("passport
  number X1234567", "tax id 12-3456789", "IBAN ...", "account number ..."), and any IBAN with a
  valid checksum.
- ``secret:password``: a password, passcode, passphrase or PIN stated with its value ("my
  password is hunter2", "pwd: x", "PIN 4821"), and URLs carrying ``user:password@``.
- ``secret:api_key``: well-known key and token formats (OpenAI, Anthropic, Stripe, GitHub,
  GitLab, Slack, AWS, Google, Hugging Face, npm, PyPI, SendGrid, JWTs, ``Bearer`` tokens, PEM
  private keys), values assigned to ``api_key`` / ``token`` / ``secret`` / ``key=``, and any
  other random-looking word of 32 or more characters.

Stored only when the policy allows it: ``pii:email`` and ``pii:phone`` (international ``+``
numbers of 8-15 digits, national numbers of 9-12 digits, shorter numbers after "phone", "call
me at" ...). Years, dates, versions, IP addresses and card numbers are not phones.

Judgment calls a caller should know:

- A UUID is an identifier, not a credential: it is not flagged unless labelled ("api key: ...").
- An unlabelled hex string of 32+ characters (a hash, a hex API key) is flagged: the two cannot
  be told apart, and losing a hash from a profile costs less than storing a key.
- URLs without credentials and file paths are not tokens, but a random 32+ character path
  segment is.
- In mappings (custom schemas) the key names the value: ``{"password": "x"}``,
  ``{"ssn": "..."}``, ``{"api_key": "..."}`` are flagged even when the value alone would not be.
- Sensitive reasons take precedence over ``low_confidence``; among sensitive reasons the order
  of :data:`REASONS` decides.
"""

from __future__ import annotations

from langprofile.pipeline.policy.rules import REASONS, Policy, Reason, Screened
from langprofile.pipeline.policy.screen import screen
from langprofile.pipeline.policy.sensitive import find_sensitive

__all__ = ["REASONS", "Policy", "Reason", "Screened", "find_sensitive", "screen"]

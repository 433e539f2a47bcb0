"""Every default in one place. Change behaviour through keyword arguments, not by editing these."""

from __future__ import annotations

from typing import Final

#: Namespace root and leaf labels. The profile lives at ("users", <label>, "profile") / PROFILE_KEY.
USERS_ROOT: Final = "users"
PROFILE_LEAF: Final = "profile"
MEMORIES_LEAF: Final = "memories"
#: Threads whose checkpoints hold the user's block (the injector node writes it into state).
THREADS_LEAF: Final = "threads"
PROFILE_KEY: Final = "profile"

#: Longest accepted user id, in characters.
MAX_USER_ID_CHARS: Final = 256

#: Verbalized paragraph bound (words) and hard character bound on everything rendered.
MAX_PARAGRAPH_WORDS: Final = 300
MAX_PARAGRAPH_CHARS: Final = 4000

#: Value bounds applied at write time on every path.
MAX_STRING_CHARS: Final = 500
MAX_LIST_ITEMS: Final = 20
MAX_SUGGESTIONS: Final = 50

#: Compare-and-set retries for one write, and the store-fault retries around each attempt.
CAS_RETRIES: Final = 64
STORE_WRITE_RETRIES: Final = 3
STORE_RETRY_BACKOFF_S: Final = 0.05
#: A store request is retried only if it failed within this many seconds (a dropped connection,
#: not a timeout that already used the store's bound).
STORE_RETRY_WINDOW_S: Final = 1.0

#: Default bound, in seconds, on waiting for a PostgreSQL connection (``open_store(timeout=)``).
STORE_TIMEOUT_S: Final = 5.0

#: How long the injector waits for the profile read before it proceeds without a block.
READ_TIMEOUT_S: Final = 1.0

#: Current version of the stored record's JSON shape (see ``_codec.MIGRATIONS``).
SCHEMA_VERSION: Final = 1

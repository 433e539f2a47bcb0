"""Every default in one place. Change behaviour through keyword arguments, not by editing these."""

from __future__ import annotations

import datetime as dt
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

#: The preference loop (signals -> aggregator -> drift detector). ``SIGNAL_WINDOW`` signals make
#: the short view; the EMA's per-signal decay gives it an effective memory of (2 - a) / a
#: signals. The drift threshold and the minimum evidence were chosen by
#: ``benchmarks/drift_simulation.py`` (stationary users flagged, shifted users caught).
SIGNAL_WINDOW: Final = 20
EMA_DECAY: Final = 0.02
DRIFT_THRESHOLD: Final = 3.0
DRIFT_MIN_SIGNALS: Final = 10
#: Variance floor (on the [0, 1] scale) so that a perfectly steady view is trusted, not infinitely.
VARIANCE_FLOOR: Final = 0.01
#: Categories tracked per categorical dimension, and the longest label.
MAX_CATEGORIES: Final = 12
MAX_LABEL_CHARS: Final = 80
#: A field re-stated with the value it holds gets its time refreshed (a write) at most this often.
CONFIRM_REFRESH: Final = dt.timedelta(days=1)
#: Refinement amendments a live paragraph keeps after its verbalized fields (newest last).
MAX_AMENDMENTS: Final = 2

"""Keep model output out of the logs of the libraries extraction runs.

trustcall (under langmem) logs the model's raw tool arguments and patch errors at ERROR on its
``extraction`` logger: that is what the user said, secrets included. Its records keep their
level and logger but lose their text, so failures still show while nothing said is written out.
"""

from __future__ import annotations

import logging
import threading

__all__ = ["quiet_extraction_logs"]

_LOGGERS = ("extraction",)
_done = threading.Event()
_lock = threading.Lock()


class _Redact(logging.Filter):
    """Replace a record's text by a note that it was withheld."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = f"{record.name}: message withheld by langprofile (it may quote model output)"
        record.args = None
        record.exc_info = None
        record.exc_text = None
        return True


def quiet_extraction_logs() -> None:
    """Install the redaction once per process (idempotent, thread-safe)."""
    if _done.is_set():
        return
    with _lock:
        if not _done.is_set():
            for name in _LOGGERS:
                logging.getLogger(name).addFilter(_Redact())
            _done.set()

"""One error tree. Every error subclasses a builtin so ``except ValueError`` keeps working."""

from __future__ import annotations

__all__ = [
    "ConcurrentUpdateError",
    "ForeignDataError",
    "InvalidUserIdError",
    "LangProfileError",
    "MissingDependencyError",
    "MissingStoreError",
    "MissingUserIdError",
    "ProfileValidationError",
    "StoreReadError",
    "StoreWriteError",
    "UserIdMismatchError",
]


class LangProfileError(Exception):
    """Base class of every error langprofile raises on purpose."""


class InvalidUserIdError(LangProfileError, ValueError):
    """The user id is empty, not a string, or too long."""


class MissingUserIdError(LangProfileError, ValueError):
    """A node could not find the user id in the run context or the config."""


class ProfileValidationError(LangProfileError, ValueError):
    """A change names an unknown field or has the wrong type; nothing was written."""


class ConcurrentUpdateError(LangProfileError, RuntimeError):
    """Compare-and-set lost every retry to concurrent writers; nothing was written."""


class ForeignDataError(LangProfileError, ValueError):
    """The item at a profile's key was not written by langprofile; it is left untouched."""


class MissingStoreError(LangProfileError, RuntimeError):
    """``ProfileStore(None)`` was used outside a graph that has a store."""


class StoreReadError(LangProfileError, RuntimeError):
    """The backing store failed to answer a read within its bounds; the message names it."""


class StoreWriteError(LangProfileError, RuntimeError):
    """The backing store failed to write after bounded retries; nothing was written."""


class MissingDependencyError(LangProfileError, ImportError):
    """An optional extra is needed for this feature; the message names the pip command."""


class UserIdMismatchError(LangProfileError, PermissionError):
    """A run authenticated as one user named another user's id; nothing was read or written."""

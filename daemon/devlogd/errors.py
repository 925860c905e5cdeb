"""One base exception; the CLI maps it to exit codes in one place (cli.main)."""

from __future__ import annotations


class DevlogError(Exception):
    """An error the user can act on. ``str(err)`` is the message shown to them."""

    exit_code = 1


class UsageError(DevlogError):
    exit_code = 2


class NotARepositoryError(DevlogError):
    exit_code = 3


class RepositoryGone(NotARepositoryError):
    """The repository a daemon serves was deleted or moved while it ran."""


class JournalError(DevlogError):
    exit_code = 4


class ConfigError(DevlogError):
    exit_code = 5


class DaemonError(DevlogError):
    exit_code = 6


class NarratorError(DevlogError):
    exit_code = 7


class Cancelled(DevlogError):
    """The client that asked for the work cancelled it or went away: stop, fall back to
    nothing (no offline post, no repair call)."""

    exit_code = 130


class CheckFailed(DevlogError):
    exit_code = 8


class Contradicted(DevlogError):
    """A post says something its sources contradict (`devlog check --grounding`)."""

    exit_code = 11


class NothingToDraft(DevlogError):
    """The range holds no beats: not a failure of devlog, but no post either (scripts can
    tell it from a real failure by its own exit code)."""

    exit_code = 9


class StateError(DevlogError):
    """devlog's state folder or one of its files is not what devlog left there (a symbolic
    link, a FIFO, another user's file): refused rather than followed."""

    exit_code = 10

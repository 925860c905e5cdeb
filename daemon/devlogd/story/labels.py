"""A beat's label for lists and the models' material: the author's own subject when it says
something, a model's retelling when there is one, else what the diff shows, as a bare
listing of its typed action ("added `parse`, `emit` in src/cli.py"). Never a composed
sentence: these labels name a change, they do not tell it. Pure code.

The reasons an author's message states (why, tension, insight) are picked from its body
here, when the story needs them, so the journal holds only the message itself.
"""

from __future__ import annotations

from functools import lru_cache

from devlogd.models import Action, Beat
from devlogd.pipeline.beats import clean_subject
from devlogd.pipeline.reasons import Reasons, tell_reasons


def title(beat: Beat) -> str:
    """What to call a change in a list: the author's words first."""
    if beat.retold:
        return beat.retold
    if beat.informative:
        return clean_subject(beat.subject) or beat.subject
    return action_label(beat.action) or clean_subject(beat.subject) or beat.sha[:10]


def action_label(action: Action) -> str:
    """The typed action as a short listing, for a change whose subject says nothing."""
    names = ", ".join(_code(n) for n in action.names[:3])
    where = f" in {action.where}" if action.where else ""
    others = action.files - 1
    more = f" and {others} more file{'s' if others != 1 else ''}" if others > 0 else ""
    if action.verb in ("added", "set", "reworked"):
        return f"{action.verb} {names}{where}"
    if action.verb == "noise":
        return f"only {action.names[0] if action.names else 'noise'} files ({action.files})"
    if action.verb == "renamed":
        return f"renamed {action.old_path} to {action.where}"
    if action.verb == "empty":
        return "no file changes"
    return f"{action.verb} {action.where}{more}"


def _code(name: str) -> str:
    return name if " " in name else f"`{name}`"


def reasons(beat: Beat) -> Reasons:
    """The why, tension and insight the author's message states, each a real reason."""
    return _reasons(beat.body, title(beat), beat.kind)


@lru_cache(maxsize=4096)
def _reasons(body: str, label: str, kind: str) -> Reasons:
    return tell_reasons(body, label, kind)

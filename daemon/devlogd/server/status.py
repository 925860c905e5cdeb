"""The daemon's status as a client sees it: the journal's summary with the process's own
state (its pid, the backlog it is journaling, its clients, its last error, its uptime)."""

from __future__ import annotations

import os
import time

import msgspec

from devlogd.app import narrators
from devlogd.app.repostate import RepoState
from devlogd.app.status import status_summary
from devlogd.protocol import StatusReply


def status_info(state: RepoState, api_key: str | None = None,
                narrator: narrators.Choice | None = None) -> StatusReply:
    activity = state.activity
    summary = status_summary(state.project, state.journal, state.visible(), api_key, narrator)
    return msgspec.structs.replace(
        summary,
        pid=os.getpid(),
        reconciling=activity.reconciling,
        backlog=max(0, activity.backlog - activity.done) if activity.reconciling else 0,
        clients=state.clients,
        reconciles=state.reconciles,
        last_error=activity.last_error,
        skipped=activity.errors[-5:],  # commits that could not be read (missing objects)
        uptime=round(time.time() - state.started, 1),
    )

"""The use cases: each module chains the pipeline and the story for one thing a user asks
(backfill, select, draft, enrich, status, hooks) over one repository (project). The
daemon's shared state (repostate) lives here too, so the servers sit beside each other on
top of it rather than on top of one another.
"""

"""git -> journal: a commit is read (gitread), its names found (extract), its secrets and
ignored paths taken out (redact, ignore), told as a beat (beats) and appended (journal).

Nothing here knows about drafts, sockets or the terminal.
"""

from __future__ import annotations

from devlogd.cli import main_entry

main_entry()

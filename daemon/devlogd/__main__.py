from __future__ import annotations

from devlogd.cli.main import main_entry

main_entry()

"""devlogd: a developer commits; a story is kept.

Data flows one way: git (gitread) -> facts -> beats -> journal -> material and chapters -> narrator,
served to editors over LSP and to the terminal through the ``devlog`` command.
"""

from __future__ import annotations

__version__ = "0.1.0"

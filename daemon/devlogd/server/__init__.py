"""The per-repository daemon (daemon), the LSP face it serves on its socket (lsp), and the
file watcher that wakes it (watcher): side by side over app.repostate.
"""

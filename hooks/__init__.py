"""The git hook scripts, shipped inside the package as devlogd._hooks (see pyproject.toml)."""

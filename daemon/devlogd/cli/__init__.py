"""The `devlog` command: the parser and entry point (main), one function per subcommand
(commands), where they run (backend: through the daemon, or in this process), the
stdlib socket client (client), and what the terminal shows (progress, render).
"""

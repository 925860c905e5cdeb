# What both devlog hooks share (pasted into each by `devlog install`).
#
# Every path here is data: it arrives quoted, is only ever expanded inside double quotes,
# and nothing is eval'd. Nothing here can wait: only a regular file is ever opened for
# writing (a FIFO would block the commit, a symlink would write wherever it points), and
# the daemon is started in the background.

# The state directory: embedded at install time, or asked of git (a shared hooks folder).
devlog_state() {
    state=$DEVLOG_STATE
    [ -d "$state" ] || state=$(git rev-parse --path-format=absolute --git-common-dir)/devlog
    [ -d "$state" ] || mkdir -p "$state" || return 1  # a builtin test first: mkdir is a fork
    if [ -L "$state" ]; then
        devlog_refuse "$state" "is a symbolic link"
        return 1
    fi
}

# True when $1 may be opened: it does not exist yet, or it is a plain regular file.
devlog_regular() {
    if [ -L "$1" ] || { [ -e "$1" ] && [ ! -f "$1" ]; }; then
        devlog_refuse "$1" "is not a regular file"
        return 1
    fi
}

devlog_refuse() {
    printf 'devlog: %s %s; nothing queued (remove it)\n' "$1" "$2" >&3
}

# Append the line(s) $2 to file $1, a regular file only.
devlog_append() {
    devlog_regular "$1" || return 1
    printf '%s\n' "$2" >> "$1"
}

# True when daemon.pid in $1 names a live daemon: the process must be alive and, where
# /proc can tell, have started when the pid file says, so a recycled pid does not count.
devlog_alive() {
    [ -f "$1/daemon.pid" ] && [ ! -L "$1/daemon.pid" ] || return 1
    pid= started=
    read -r pid started < "$1/daemon.pid" || [ -n "$pid" ] || return 1
    case $pid in '' | *[!0-9]*) return 1 ;; esac
    kill -0 "$pid" 2>/dev/null || return 1
    [ -r "/proc/$pid/stat" ] || return 0  # no /proc (macOS, BSD): alive is all we can tell
    read -r stat < "/proc/$pid/stat" || return 1
    # Fields after the command name (which may hold spaces and parentheses); the 20th is
    # field 22 of proc(5), the start time.
    set -- ${stat##*) }
    [ $# -ge 20 ] && shift 19 && [ -n "$started" ] && [ "$1" = "$started" ]
}

devlog_wake() {
    devlog_alive "$1" && return 0
    [ -x "$DEVLOG_BIN" ] || return 0
    top=$PWD
    # Detached in its own session: nothing the commit waits for, no terminal signals, and
    # none of git's pipes held open (git waits for them to close).
    setsid=
    command -v setsid >/dev/null 2>&1 && setsid=setsid
    ( cd / && exec $setsid "$DEVLOG_BIN" -C "$top" daemon run --quiet \
        </dev/null >/dev/null 2>&1 3>&- & )
}

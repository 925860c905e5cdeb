#!/bin/sh
# Install devlog for this user: an isolated environment, `devlog` on PATH (your shell profile
# gets one line when it is not, as `pipx ensurepath` does), then the first lines of a draft of
# the repository you are in, written offline (no key, no network, no daemon started).
#
#   ./install.sh                    install (or upgrade), then show a sample draft
#   ./install.sh --no-draft         install only
#   ./install.sh --no-modify-path   never touch your shell profile; say what to add instead
#   ./install.sh --uninstall        remove devlog: its daemons, the environment, the link, the PATH
#                                   lines it added (found by their marker), the VS Code extension
#                                   if it installed it; says what it did and what it leaves
#   ./install.sh --uninstall --purge   and your devlog settings and key (~/.config/devlog) too
#
# Environment: DEVLOG_HOME (default ~/.local/share/devlog), DEVLOG_BIN_DIR (default ~/.local/bin),
# PYTHON (an interpreter >= 3.10 to build the environment with).
set -eu

say() { printf '%s\n' "$*" >&2; }
die() { say "install.sh: $*"; exit 1; }

draft=1
modify_path=1
uninstall=0
purge=0
for arg in "$@"; do
    case "$arg" in
        --no-draft) draft=0 ;;
        --no-modify-path) modify_path=0 ;;
        --uninstall) uninstall=1 ;;
        --purge) purge=1 ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) die "unknown option: $arg (try --help)" ;;
    esac
done

src=$(cd "$(dirname "$0")" && pwd)
home=${DEVLOG_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/devlog}
bin_dir=${DEVLOG_BIN_DIR:-$HOME/.local/bin}
venv=$home/venv

# Paths as a person reads them: ~ for the home directory.
pretty() { case "$1" in "$HOME"/*) printf '~%s' "${1#"$HOME"}" ;; *) printf '%s' "$1" ;; esac; }

marker="# added by devlog's install.sh"
vscode_record=$home/vscode-extension  # written when this script installed the extension
folders_record=$home/created-folders  # the folders this script made, deepest first: --uninstall removes them if empty
new_folders() { d=$1; while [ ! -d "$d" ]; do printf '%s\n' "$d"; d=$(dirname "$d"); done; }
[ "$purge" = 0 ] || [ "$uninstall" = 1 ] || die "--purge goes with --uninstall"

# -- --uninstall: everything this script added, found by what it wrote, and nothing else ----
stop_daemons() {
    # Daemons run this environment's interpreter with "-m devlogd ... daemon run".
    stopped=0
    for dir in /proc/[0-9]*; do
        cmd=$( { tr '\0' ' ' <"$dir/cmdline"; } 2>/dev/null) || continue
        case "$cmd" in
            "$venv/bin/python"*" -m devlogd "*"daemon run"*|"$venv/bin/python"*"devlog "*"daemon run"*)
                kill "${dir#/proc/}" 2>/dev/null && stopped=$((stopped + 1)) ;;
        esac
    done
    printf '%s' "$stopped"
}

strip_profile() {  # the marker line, the line after it, and the blank line install.sh put before
    file=$1
    [ -f "$file" ] && grep -qF "$marker" "$file" || return 1
    tmp=$(mktemp "$file.devlog.XXXXXX") || return 1
    awk -v m="$marker" '
        skip { skip = 0; next }
        $0 == m { blank = 0; skip = 1; next }
        { if (blank) print ""; blank = 0 }
        $0 == "" { blank = 1; next }
        { print }
        END { if (blank) print "" }
    ' "$file" >"$tmp"
    cat "$tmp" >"$file" && rm -f "$tmp"  # cat keeps the file's own mode, owner and links
    [ -s "$file" ] || rm -f "$file"  # a profile that held only our line was made by us
    return 0
}

remove_devlog() {
    did=""
    note() { did="$did
  $1"; }
    n=$(stop_daemons)
    [ "$n" = 0 ] || note "stopped $n devlog daemon(s)"
    if [ -L "$bin_dir/devlog" ] && [ "$(readlink "$bin_dir/devlog")" = "$venv/bin/devlog" ]; then
        rm -f "$bin_dir/devlog" && note "removed the link $(pretty "$bin_dir/devlog")"
    fi
    if [ -f "$vscode_record" ] && command -v code >/dev/null 2>&1; then
        id=$(cat "$vscode_record")
        code --uninstall-extension "$id" >/dev/null 2>&1 && note "removed the VS Code extension $id"
    fi
    if [ -d "$venv" ]; then
        size=$(du -sh "$venv" 2>/dev/null | cut -f1)
        rm -rf "$venv" && note "removed the environment $(pretty "$venv") (${size:-?})"
    fi
    rm -f "$vscode_record"
    made=$(mktemp)
    [ ! -f "$folders_record" ] || mv "$folders_record" "$made"
    rmdir "$home" 2>/dev/null || true
    while IFS= read -r folder; do  # deepest first; only what is empty now
        [ "$folder" = "$home" ] || rmdir "$folder" 2>/dev/null || true
    done <"$made"
    rm -f "$made"
    for profile in "$HOME/.profile" "$HOME/.bash_profile" "$HOME/.bash_login" "$HOME/.bashrc" \
                   "${ZDOTDIR:-$HOME}/.zprofile" "${ZDOTDIR:-$HOME}/.zshrc"; do
        strip_profile "$profile" && note "removed the PATH line from $(pretty "$profile")"
    done
    fish_conf=${XDG_CONFIG_HOME:-$HOME/.config}/fish/conf.d/devlog.fish
    if [ -f "$fish_conf" ] && head -n 1 "$fish_conf" | grep -qF "$marker"; then
        rm -f "$fish_conf" && note "removed $(pretty "$fish_conf")"
    fi
    config=${XDG_CONFIG_HOME:-$HOME/.config}/devlog
    if [ -d "$config" ] && [ "$purge" = 1 ]; then
        rm -rf "$config" && note "removed your settings and key, $(pretty "$config")"
        rmdir "${XDG_CONFIG_HOME:-$HOME/.config}" 2>/dev/null || true
    fi
    if [ -z "$did" ]; then
        say "devlog is not installed here (nothing found in $(pretty "$venv"), $(pretty "$bin_dir") or your profiles)"
    else
        say "devlog is uninstalled:$did"
    fi
    [ ! -d "$config" ] ||
        say "kept: your settings and key in $(pretty "$config") (./install.sh --uninstall --purge removes them)"
    say "kept: each repository's journal, notes and answers in .git/devlog/, and its git hooks, which do nothing"
    say "  without devlog (before uninstalling: devlog uninstall --purge in a repository removes both)"
}

if [ "$uninstall" = 1 ]; then
    remove_devlog
    exit 0
fi

command -v git >/dev/null 2>&1 || die "git is required"

find_python() {
    for candidate in ${PYTHON:-} python3 python3.13 python3.12 python3.11 python3.10; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}
python=$(find_python) || die "Python 3.10 or newer (with the venv module) is required"

# A broken environment (interpreter upgraded or removed) is rebuilt, never patched.
if [ -x "$venv/bin/python" ] && ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
    say "rebuilding the broken environment in $(pretty "$venv")"
    rm -rf "$venv"
fi
made=$(new_folders "$home"; new_folders "$bin_dir")
if [ -n "$made" ]; then
    mkdir -p "$home" && printf '%s\n' "$made" >> "$folders_record"
fi
if [ ! -x "$venv/bin/python" ]; then
    say "creating an environment in $(pretty "$venv")"
    "$python" -m venv "$venv"
fi

say "installing devlog and its libraries (about a minute the first time)"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "$src" ||
    die "pip could not install devlog (see the messages above)"

mkdir -p "$bin_dir"
ln -sf "$venv/bin/devlog" "$bin_dir/devlog"
version=$("$bin_dir/devlog" --version)

# -- PATH: like `pipx ensurepath`, one guarded line in the profiles your shells read -------
path_line="case \":\${PATH}:\" in *\":$bin_dir:\"*) ;; *) export PATH=\"$bin_dir:\$PATH\" ;; esac"

profiles() {
    # Login shells: sh and dash read ~/.profile, and so does bash unless it has its own.
    printf '%s\n' "$HOME/.profile"
    if [ -f "$HOME/.bash_profile" ]; then printf '%s\n' "$HOME/.bash_profile"
    elif [ -f "$HOME/.bash_login" ]; then printf '%s\n' "$HOME/.bash_login"; fi
    # Interactive shells that are not login shells (most terminal windows).
    shell=$(basename "${SHELL:-sh}")
    if [ -f "$HOME/.bashrc" ] || [ "$shell" = bash ]; then printf '%s\n' "$HOME/.bashrc"; fi
    if [ -f "$HOME/.zshrc" ] || [ "$shell" = zsh ]; then
        printf '%s\n' "${ZDOTDIR:-$HOME}/.zprofile" "${ZDOTDIR:-$HOME}/.zshrc"
    fi
}

add_to_path() {
    changed=""
    for profile in $(profiles); do
        if [ -f "$profile" ] && grep -qF "$marker" "$profile"; then
            continue
        fi
        printf '\n%s\n%s\n' "$marker" "$path_line" >> "$profile" || continue
        changed="$changed${changed:+, }$(pretty "$profile")"
    done
    if [ "$(basename "${SHELL:-sh}")" = fish ]; then
        fish_conf=${XDG_CONFIG_HOME:-$HOME/.config}/fish/conf.d/devlog.fish
        if [ ! -f "$fish_conf" ]; then
            mkdir -p "$(dirname "$fish_conf")"
            printf '%s\nfish_add_path -g %s\n' "$marker" "$bin_dir" > "$fish_conf"
            changed="$changed${changed:+, }$(pretty "$fish_conf")"
        fi
    fi
    printf '%s' "$changed"
}

case ":$PATH:" in
    *":$bin_dir:"*) path_state="$(pretty "$bin_dir") is on your PATH" ;;
    *)
        if [ "$modify_path" = 1 ]; then
            changed=$(add_to_path)
            if [ -n "$changed" ]; then
                path_state="added $(pretty "$bin_dir") to PATH in $changed; new terminals have it (this one: export PATH=\"$bin_dir:\$PATH\")"
            else
                path_state="$(pretty "$bin_dir") is already added in your profile; open a new terminal (this one: export PATH=\"$bin_dir:\$PATH\")"
            fi
        else
            path_state="$(pretty "$bin_dir") is not on your PATH; add this to your shell profile: export PATH=\"$bin_dir:\$PATH\""
        fi ;;
esac

# -- the editor extension: built into a .vsix (from the npm registry's packages) and
# installed when VS Code's `code` command is here.
if command -v code >/dev/null 2>&1; then
    vsix=$src/vscode-extension/devlog.vsix
    if [ ! -f "$vsix" ] && command -v npm >/dev/null 2>&1; then
        say "building the VS Code extension"
        (cd "$src/vscode-extension" && npm ci --no-audit --no-fund --loglevel=error >/dev/null &&
            npm run --silent package >/dev/null) || say "could not build the VS Code extension (see npm's messages)"
    fi
    if [ -f "$vsix" ] && code --install-extension "$vsix" --force >/dev/null 2>&1; then
        printf '%s\n' "devlogd.devlog" > "$vscode_record"  # so --uninstall removes what we added, only that
        vscode_state="installed the extension ($(pretty "$vsix"))"
    elif [ -f "$vsix" ]; then
        vscode_state="could not install the extension; try: code --install-extension $vsix"
    else
        vscode_state="found, but the extension could not be built here (it needs npm)"
    fi
else
    vscode_state="skipped: no \`code\` command (later: cd vscode-extension && npm ci && npm run package && code --install-extension devlog.vsix)"
fi

# -- a sample: the first lines of an offline draft, in this process (no daemon is started)
target=$(git rev-parse --show-toplevel 2>/dev/null || printf '%s' "$src")
if [ "$draft" = 1 ]; then
    sample=$(mktemp) && notes=$(mktemp)
    if "$bin_dir/devlog" --no-daemon -C "$target" draft --narrator offline >"$sample" 2>"$notes"; then
        total=$(wc -l <"$sample" | tr -d ' ')
        shown=14
        [ "$total" -gt "$shown" ] || shown=$total
        say ""
        say "a first draft of $(pretty "$target"), written offline (the first $shown of $total lines):"
        say ""
        head -n "$shown" "$sample" | sed 's/^/    /' >&2
        [ "$shown" = "$total" ] || say "    …"
        say ""
        say "the whole post: devlog -C $(pretty "$target") draft   (or: devlog draft --out post.md, in any repository)"
    else
        say ""
        say "no sample draft of $(pretty "$target"):"
        grep '^devlog: ' "$notes" | grep -v '^devlog: journaling\|^devlog: reading' | sed 's/^/    /' >&2 || true
    fi
    rm -f "$sample" "$notes"
fi

# -- what happened, where, and what runs: the last thing on the screen
daemon_state="none started (\`devlog install\` in a repository starts one that journals every commit)"
if "$bin_dir/devlog" -C "$target" daemon status >/dev/null 2>&1; then
    daemon_state="one runs for $(pretty "$target"), with the version it started with until: devlog -C $(pretty "$target") daemon stop"
fi
say ""
say "$version is installed:"
say "  command      $(pretty "$bin_dir/devlog") -> $(pretty "$venv/bin/devlog")"
say "  environment  $(pretty "$venv") ($("$venv/bin/python" -c 'import platform; print("Python", platform.python_version())'))"
say "  daemon       $daemon_state"
say "  PATH         $path_state"
say "  VS Code      $vscode_state"
say ""
say "next: cd your-project && devlog draft    (devlog help lists every command; export ANTHROPIC_API_KEY=... to have Claude write it)"

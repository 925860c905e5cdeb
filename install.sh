#!/bin/sh
# Install devlog for this user: an isolated environment, `devlog` on PATH, then a first
# draft of the repository you are in, written offline (no key, no network).
#
#   ./install.sh              install (or upgrade) and print a draft of the current repository
#   ./install.sh --no-draft   install only
#
# Environment: DEVLOG_HOME (default ~/.local/share/devlog), DEVLOG_BIN_DIR (default ~/.local/bin),
# PYTHON (an interpreter >= 3.10 to build the environment with).
set -eu

say() { printf '%s\n' "$*" >&2; }
die() { say "install.sh: $*"; exit 1; }

draft=1
for arg in "$@"; do
    case "$arg" in
        --no-draft) draft=0 ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) die "unknown option: $arg" ;;
    esac
done

src=$(cd "$(dirname "$0")" && pwd)
home=${DEVLOG_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/devlog}
bin_dir=${DEVLOG_BIN_DIR:-$HOME/.local/bin}
venv=$home/venv

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
    say "rebuilding the broken environment in $venv"
    rm -rf "$venv"
fi
if [ ! -x "$venv/bin/python" ]; then
    say "creating an environment in $venv"
    mkdir -p "$home"
    "$python" -m venv "$venv"
fi

say "installing devlog from $src"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "$src" ||
    die "pip could not install devlog (see the messages above)"

mkdir -p "$bin_dir"
ln -sf "$venv/bin/devlog" "$bin_dir/devlog"
say "installed: $bin_dir/devlog -> $venv/bin/devlog ($("$bin_dir/devlog" --version))"

case ":$PATH:" in
    *":$bin_dir:"*) ;;
    *) say "note: $bin_dir is not on your PATH; add this to your shell profile:"
       say "    export PATH=\"$bin_dir:\$PATH\"" ;;
esac

# The editor extension: built into a .vsix (offline, from the npm registry's packages)
# and installed when VS Code's `code` command is here.
if command -v code >/dev/null 2>&1; then
    vsix=$src/vscode-extension/devlog.vsix
    if [ ! -f "$vsix" ] && command -v npm >/dev/null 2>&1; then
        say "building the VS Code extension"
        (cd "$src/vscode-extension" && npm ci --no-audit --no-fund --loglevel=error >/dev/null &&
            npm run --silent package >/dev/null) || say "could not build the VS Code extension (see npm's messages)"
    fi
    if [ -f "$vsix" ]; then
        code --install-extension "$vsix" --force >/dev/null 2>&1 &&
            say "installed the VS Code extension ($vsix)" ||
            say "could not install the VS Code extension; try: code --install-extension $vsix"
    else
        say "VS Code found, but the extension could not be built here (needs npm)"
    fi
else
    say "VS Code's \`code\` command is not on PATH: skipped the editor extension"
    say "  (later: cd vscode-extension && npm ci && npm run package && code --install-extension devlog.vsix)"
fi

if [ "$draft" = 1 ]; then
    target=$(git rev-parse --show-toplevel 2>/dev/null || printf '%s' "$src")
    say ""
    say "a first draft of $target, written offline:"
    say ""
    "$bin_dir/devlog" -C "$target" draft --narrator offline || say "install.sh: the draft failed (see above)"
fi

say ""
say "next steps:"
say "  devlog draft                 a devlog post of the repository you are in"
say "  devlog install               journal every new commit automatically (git hook + daemon)"
say "  export ANTHROPIC_API_KEY=... let Claude write the post (devlog draft --narrator claude)"

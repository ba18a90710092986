#!/usr/bin/env bash
# Installs the project with its test extra into a virtual environment and runs every check:
# ruff (lint + format), the import-linter contracts, mypy on the whole package (as Linux,
# Windows and macOS), then pytest.
# Usage: bash tests/run.sh [pytest args...]      (VENV=path to choose the environment)
#
# On Linux it first makes sure the system libraries Qt needs are there (tests/system-packages.txt):
# run as root it installs what is missing with apt-get; otherwise it stops at once and prints
# the one apt-get command to run, instead of failing deep inside pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
PY="${PYTHON:-python3}"

apt_install() {
    echo "== apt-get install $*"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if [ "$(uname -s)" = Linux ]; then
    known="$(PATH="$PATH:/sbin:/usr/sbin" ldconfig -p 2>/dev/null || true)"
    missing=()
    while read -r library package; do
        case "$library" in '' | '#'*) continue ;; esac
        grep -q "^[[:space:]]*$library " <<<"$known" || missing+=("$package")
    done <tests/system-packages.txt
    if [ ! -x "$VENV/bin/python" ] && ! "$PY" -c 'import venv, ensurepip' 2>/dev/null; then
        missing+=(python3-venv)
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            apt_install "${missing[@]}"
        else
            echo "Qt and the test environment need system packages that are missing. Run:"
            echo "    sudo apt-get install -y ${missing[*]}"
            echo "then run 'bash tests/run.sh' again."
            exit 1
        fi
    fi
fi

if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e ".[test,build]"
echo "== ruff"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
echo "== import-linter"
"$VENV/bin/lint-imports" --no-cache
for platform in linux win32 darwin; do
    echo "== mypy --platform $platform"
    "$VENV/bin/mypy" --platform "$platform"
done
echo "== pytest"
export QT_QPA_PLATFORM=offscreen
"$VENV/bin/python" -m pytest "$@"

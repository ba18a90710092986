#!/usr/bin/env bash
# Installs the project with its test extra into a virtual environment and runs every check:
# ruff (lint + format), the import-linter contracts, mypy on the Qt-free packages, then pytest.
# Usage: bash tests/run.sh [pytest args...]      (VENV=path to choose the environment)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
PY="${PYTHON:-python3}"
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
echo "== mypy (Qt-free packages)"
"$VENV/bin/mypy"
echo "== pytest"
export QT_QPA_PLATFORM=offscreen
"$VENV/bin/python" -m pytest "$@"

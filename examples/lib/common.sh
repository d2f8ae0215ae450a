# Sourced by every examples/*/run.sh: the flags every example takes, how posec and Python are called,
# and small helpers. Each example runs from its own folder and writes only under its out/ folder.
set -euo pipefail

EXAMPLE_DIR="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
REPO_ROOT="$(cd "$EXAMPLE_DIR/../.." && pwd)"
CALLER_DIR="$PWD"
# a path the user gave (a flag or an environment variable), relative to where run.sh was started
from_caller() { case "$1" in /*) echo "$1" ;; *) echo "$CALLER_DIR/$1" ;; esac; }
cd "$EXAMPLE_DIR"
OUT="$EXAMPLE_DIR/out"
if [ -n "${OUT_DIR:-}" ]; then OUT="$(from_caller "$OUT_DIR")"; fi   # OUT_DIR=... writes elsewhere

# --quick: the shortened version (CI runs it); anything after is the example's own flags.
QUICK=0
ARGS=()
for arg in "$@"; do
  if [ "$arg" = "--quick" ]; then QUICK=1; else ARGS+=("$arg"); fi
done

# posec as a user runs it from a clone (`npm install` builds dist/). POSEC overrides the command,
# e.g. POSEC="npx posec" for an installed package.
if [ -z "${POSEC:-}" ] && [ ! -f "$REPO_ROOT/dist/posec.js" ]; then
  echo "posec is not built yet: running npm run build in $REPO_ROOT" >&2
  (cd "$REPO_ROOT" && npm run build >&2)
fi
POSEC="${POSEC:-node $REPO_ROOT/bin/posec.js}"
posec() { $POSEC "$@"; }

# Debian's Python with torch, OpenCV and onnx (the first python3 on PATH may be another interpreter).
PYTHON="${PYTHON:-/usr/bin/python3}"

# Quick mode's networks are tiny: one wasm thread beats two there (handing each small kernel to a second
# thread costs more than it saves, the more so on a busy machine), and leaves the other core free.
THREADS=()
if [ "$QUICK" = 1 ]; then THREADS=(--threads 1); fi

SECONDS=0
step() { printf '\n== %s  (%ss)\n' "$*" "$SECONDS"; }
done_msg() { printf '\n%s: done in %ss%s\n' "$(basename "$EXAMPLE_DIR")" "$SECONDS" "$([ "$QUICK" = 1 ] && echo ' (quick mode)')"; }

# A fresh out/ subfolder (posec train refuses a folder that already holds a run).
fresh() { rm -rf "$1" && mkdir -p "$1"; }

# posec synth into a folder made afresh (synth never writes over a dataset); its errors are shown,
# its progress lines are not.
synth() {
  local dir=$1 log
  shift
  rm -rf "$dir"
  if ! log=$(posec synth --out "$dir" "$@" 2>&1); then echo "$log" >&2; return 1; fi
  echo "$log" | grep -v '^synthesising' || true
}

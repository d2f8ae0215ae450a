#!/usr/bin/env bash
# Runs every example in turn (./run-all.sh --quick: every quick mode, as CI does) and exits non-zero if
# any of them fails. Each example's output goes to its own out/ folder and to out/<name>.log here.
set -uo pipefail
cd "$(dirname "$0")"
EXAMPLES=(swap-backbone patent-table1 custom-keypoints deploy pytorch-ddp openpose-weights)
mkdir -p out
failed=()
summary=()
start=$SECONDS
for name in "${EXAMPLES[@]}"; do
  echo "=================== $name $*"
  t0=$SECONDS
  if "./$name/run.sh" "$@" 2>&1 | tee "out/$name.log"; then status=ok; else status=FAILED; failed+=("$name"); fi
  summary+=("$(printf '%-18s %-7s %4ss' "$name" "$status" "$((SECONDS - t0))")")
done
echo
echo "=================== summary"
printf '%s\n' "${summary[@]}"
echo "total: $((SECONDS - start))s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]} (logs: examples/out/<name>.log)" >&2
  exit 1
fi

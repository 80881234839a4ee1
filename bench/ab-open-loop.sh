#!/usr/bin/env bash
# usage: [FLAGS_A="…"] [FLAGS_B="…"] bash bench/ab-open-loop.sh BINDIR_A BINDIR_B RATE [rounds=4] [mix=purchases]
# Alternates bench/open-loop-writer.sh runs of two builds at one open-loop RATE (A B, then B A, and so on, so that a
# drift of the host hits both alike) and prints each run's purchase latencies (µs, from the intended start), then
# the median of each percentile per build. FLAGS_A / FLAGS_B: extra tilld options for each side (the same build can
# be compared with itself, e.g. FLAGS_B="--ledger-thread true").
set -euo pipefail
A=$1; B=$2; RATE=$3; ROUNDS=${4:-4}; MIX=${5:-purchases}
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp /tmp/till-ab-open.XXXXXX)
trap 'rm -f "$out"' EXIT
run() {
  local line
  line=$(TILLD_FLAGS="$3" bash "$here/open-loop-writer.sh" "$2" "$RATE" 1 "$MIX" 2>&1 | grep -E ' run 1 at ' | sed 's/.*purchases, //')
  echo "$(date +%H:%M:%S) $1: $line" | tee -a "$out"
}
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then run A "$A" "${FLAGS_A:-}"; run B "$B" "${FLAGS_B:-}"; else run B "$B" "${FLAGS_B:-}"; run A "$A" "${FLAGS_A:-}"; fi
done
for label in A B; do
  line="$label medians:"
  for key in p50 p90 p99 p99.9 max; do
    values=$(grep " $label: " "$out" | awk -v k="$key" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' | sort -n)
    n=$(echo "$values" | wc -l)
    median=$(echo "$values" | awk -v n="$n" 'NR == int((n + 1) / 2) { a = $1 } NR == int(n / 2) + 1 { b = $1 } END { print (n % 2) ? a : (a + b) / 2 }')
    line="$line $key $median"
  done
  echo "$line µs"
done

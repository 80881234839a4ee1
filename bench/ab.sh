#!/usr/bin/env bash
# usage: [FLAGS_A="…"] [FLAGS_B="…"] [SIM_FLAGS_A="…"] [SIM_FLAGS_B="…"] bash bench/ab.sh BINDIR_A BINDIR_B [rounds=4] [terminals=64]
# Compares two daemon builds (or one build with two flag sets: give the same BINDIR twice) on a machine whose speed
# drifts: ROUNDS rounds of bench/writer-time.sh, each round running both, in the order A B, then B A, and so on, so that
# a drift over the rounds hits both alike. Prints every run, then per figure the means and the mean of the paired
# differences (B − A) with its standard error: a difference within two standard errors is not one. FLAGS_* go to
# tilld, SIM_FLAGS_* to `till-sim run` (e.g. `--threads 2`).
# Each BINDIR holds release builds of tilld and till-sim.
set -euo pipefail
A=$1; B=$2; ROUNDS=${3:-4}; T=${4:-64}
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp /tmp/till-ab.XXXXXX)
trap 'rm -f "$out"' EXIT
run() {  # run LABEL BINDIR FLAGS SIM_FLAGS
  local text
  text=$(TILLD_FLAGS="$3" SIM_FLAGS="$4" bash "$here/writer-time.sh" "$2" "$T" 2>&1)
  local rate cpu commit ckpt jsync
  rate=$(echo "$text" | sed -n 's/^run closed loop: [0-9.]* s, \([0-9]*\) purchases\/s.*/\1/p')
  cpu=$(echo "$text" | sed -n 's/^daemon CPU per purchase: \([0-9.]*\) µs.*/\1/p')
  commit=$(echo "$text" | sed -n 's/^till_writer_commit_microseconds_total: .*, \([0-9.]*\) per purchase/\1/p')
  ckpt=$(echo "$text" | sed -n 's/^till_writer_checkpoint_seconds_sum (µs): .*, \([0-9.]*\) per purchase/\1/p')
  jsync=$(echo "$text" | sed -n 's/^till_journal_sync_microseconds_total: .*, \([0-9.]*\) per purchase/\1/p')
  echo "$1 $rate $cpu $commit $ckpt $jsync" >> "$out"
  echo "$(date +%H:%M:%S) $1: ${rate} purchases/s, daemon CPU ${cpu} µs, COMMIT ${commit} µs, checkpoint ${ckpt} µs, journal sync ${jsync} µs per purchase (load $(cut -d' ' -f1 /proc/loadavg))"
}
for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) -eq 1 ]; then run A "$A" "${FLAGS_A:-}" "${SIM_FLAGS_A:-}"; run B "$B" "${FLAGS_B:-}" "${SIM_FLAGS_B:-}"
  else run B "$B" "${FLAGS_B:-}" "${SIM_FLAGS_B:-}"; run A "$A" "${FLAGS_A:-}" "${SIM_FLAGS_A:-}"; fi
done
python3 - "$out" <<'EOF'
import math, sys
rows = [line.split() for line in open(sys.argv[1])]
a = [list(map(float, r[1:])) for r in rows if r[0] == "A"]
b = [list(map(float, r[1:])) for r in rows if r[0] == "B"]
names = ["purchases/s", "daemon CPU µs per purchase", "COMMIT µs per purchase", "checkpoint µs per purchase",
         "journal sync µs per purchase"]
print(f"{'figure':<28} {'mean A':>10} {'mean B':>10} {'B − A':>10} {'± s.e.':>8} {'change':>8}")
for i, name in enumerate(names):
    xs, ys = [r[i] for r in a], [r[i] for r in b]
    d = [y - x for x, y in zip(xs, ys)]
    mean_a, mean_b, mean_d = sum(xs) / len(xs), sum(ys) / len(ys), sum(d) / len(d)
    se = math.sqrt(sum((v - mean_d) ** 2 for v in d) / (len(d) - 1) / len(d)) if len(d) > 1 else float("nan")
    print(f"{name:<28} {mean_a:>10.1f} {mean_b:>10.1f} {mean_d:>+10.1f} {se:>8.1f} {100 * mean_d / mean_a:>+7.1f}%")
EOF

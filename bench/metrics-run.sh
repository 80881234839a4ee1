#!/usr/bin/env bash
# usage: TILLD_FLAGS="…" [MIX=standard] [METRICS=regex] bash bench/metrics-run.sh BINDIR [seconds]
# BINDIR holds release builds of tilld and till-sim. One daemon over TLS with its metrics endpoint (extra flags from
# TILLD_FLAGS), 100,000 members seeded, a closed loop of 64 terminals (MIX, default the standard mix) for `seconds`
# (default 15); prints the run's latencies per op and, from /metrics, how much each series matching METRICS grew
# during the run (after − before: the seeding's own writes and reads left out; default: the reads' waits for a
# COMMIT, the ledger's waits and how long they took).
BENCH_BIN=$1; S=${2:-15}
source "$(dirname "$0")/bench-daemon.sh"
port=18817
bench_start_tilld $port "$work/tilld.log" --metrics-listen 127.0.0.1:$((port + 1)) ${TILLD_FLAGS:-}
bench_seed $port 200
pattern=${METRICS:-reads_before_commit|reads_run_again|reads_waited_for_commit|read_commit_wait_seconds_(sum|count)|ledger_wait}
series() { curl -s "127.0.0.1:$((port + 1))/metrics" | grep -v "^#" | grep -E "$pattern" || true; }
series > "$work/before.metrics"
bench_closed_loop_started $port "$S" 64 --mix "${MIX:-standard}"
wait "$sim_pid"
grep -E "^run closed|^op |^identify|^quote|^purchase |^status|^void|^return" "$work/run.txt"
series > "$work/after.metrics"
awk 'NR == FNR { before[$1] = $2; next } { printf "%s %.10g\n", $1, $2 - before[$1] }' "$work/before.metrics" "$work/after.metrics"

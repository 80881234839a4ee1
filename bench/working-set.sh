#!/usr/bin/env bash
# usage: TILLD_FLAGS="…" bash bench/working-set.sh BINDIR [working set] [runs]
# BINDIR holds release builds of tilld and till-sim. Per run, a fresh daemon over TLS (extra flags from TILLD_FLAGS),
# 100,000 members seeded, a closed loop of 64 terminals (purchases) for 15 s over the first `working set` members
# (default 100,000: each member about twice; 5,000: a shop of regulars, each member ~30 times). Prints the run's
# purchases/s and latencies, what it changed in the writer's counters (COMMITs, checkpoints, accounts found in memory
# or read, and with `--ledger-thread true` the ledger's conflicts and waits) and the four busiest daemon threads' CPU
# per purchase. Written to compare the ledger thread with the writer alone (bench/journal.md, "A ledger thread").
BENCH_BIN=$1; WS=${2:-100000}; RUNS=${3:-1}
for i in $(seq 1 "$RUNS"); do
  (
    source "$(dirname "$0")/bench-daemon.sh"
    port=18816
    bench_start_tilld $port "$work/tilld.log" --metrics-listen 127.0.0.1:$((port + 1)) ${TILLD_FLAGS:-}
    bench_seed $port 200 > /dev/null
    counters() {
      curl -s 127.0.0.1:$((port + 1))/metrics |
        grep -E '^till_writer_(hot_account_hits|hot_account_misses|ledger_conflicts|ledger_waits|commits|checkpoints)_total'
    }
    counters | sort > "$work/m0"; bench_threads_snapshot > "$work/t0"
    "$bin/till-sim" run --server "127.0.0.1:$port" --tls-ca "$ca" --terminals-file "$work/terminals.json" \
      --working-set "$WS" --daemon-pid "$tilld_pid" --duration 15s --terminals 64 --mix purchases > "$work/run.txt" 2>&1
    counters | sort > "$work/m1"; bench_threads_snapshot > "$work/t1"
    n=$(grep -E '^purchase ' "$work/run.txt" | awk '{print $2}')
    echo "$(date +%H:%M:%S) ${TILLD_FLAGS:-(default)} working set $WS: $(grep -E '^run closed' "$work/run.txt" | sed 's/run closed loop: 15.0 s, //'), $(grep -E '^purchase ' "$work/run.txt" | awk '{printf "p50 %s p99 %s µs", $4, $6}'), $(grep 'daemon CPU' "$work/run.txt")"
    join "$work/m0" "$work/m1" | awk '{ d = $3 - $2; if (d != 0) printf "  %s +%s", $1, d }'; echo
    bench_threads_us_per_purchase "$work/t0" "$work/t1" "$n" | head -n 4 | awk '{printf "  %s %s", $1, $3}'; echo " µs/purchase"
  )
done

#!/usr/bin/env bash
# usage: TILLD_FLAGS="…" bash bench/open-loop-writer.sh BINDIR [rate] [runs] [mix]
# BINDIR holds release builds of tilld and till-sim. Per run, a fresh daemon over TLS (extra flags from TILLD_FLAGS),
# 100,000 members and 2,000 terminals seeded, one open-loop run of 12 s at `rate` requests/s (default 1,000) over
# 1,000 terminals, as bench/open-loop.sh (`mix`: purchases, the default, or e.g. standard). Prints the latencies
# (p50 / p90 / p99 / p99.9 / max, µs, from the intended start) of purchases, identifies and statuses, what the run
# changed in the writer's and journal's counters (/metrics: COMMITs, checkpoints and their time, WAL pages, journal
# syncs and their histogram) and the CPU of the daemon's three busiest threads (the writer first) per purchase.
# Written to see what the writer does per purchase when batches are small, which the closed-loop scripts do not show.
# RATE `closed`: a closed loop of 64 terminals instead (the same counters for the saturated case).
BENCH_BIN=$1; RATE=${2:-1000}; RUNS=${3:-1}; MIX=${4:-purchases}
for i in $(seq 1 "$RUNS"); do
  (
    source "$(dirname "$0")/bench-daemon.sh"
    port=18785
    bench_start_tilld $port "$work/tilld.log" --metrics-listen 127.0.0.1:$((port + 1)) ${TILLD_FLAGS:-}
    bench_seed $port 2000 --pos-per-branch 50 > /dev/null
    counters() { curl -s 127.0.0.1:$((port + 1))/metrics | grep -E '^till_(writer|journal)_' | grep -v 'checkpoint_seconds_bucket'; }
    counters | sort > "$work/m0"; bench_threads_snapshot > "$work/t0"
    "$bin/till-sim" run --server 127.0.0.1:$port --tls-ca "$ca" --terminals-file "$work/terminals.json" \
      --working-set 100000 --daemon-pid "$tilld_pid" --duration 12s --mix "$MIX" \
      $([ "$RATE" = closed ] && echo "--terminals 64" || echo "--terminals 1000 --rate $RATE") \
      > "$work/run.txt" 2>&1 || true
    counters | sort > "$work/m1"; bench_threads_snapshot > "$work/t1"
    n=$(grep -E '^purchase ' "$work/run.txt" | awk '{print $2}')
    echo "$(date +%H:%M:%S) run $i at $RATE/s ($MIX): $(grep -E '^purchase ' "$work/run.txt" | awk '{printf "%s purchases, purchase p50 %s p90 %s p99 %s p99.9 %s max %s µs", $2, $4, $5, $6, $7, $8}') (load $(cut -d' ' -f1 /proc/loadavg))"
    grep -E '^(identify|status) ' "$work/run.txt" | awk '{printf "  %s p50 %s p90 %s p99 %s p99.9 %s max %s µs\n", $1, $4, $5, $6, $7, $8}' || true
    join "$work/m0" "$work/m1" | awk '{ d = $3 - $2; if (d != 0) printf "  %s +%s\n", $1, d }'
    bench_threads_us_per_purchase "$work/t0" "$work/t1" "$n" | head -n 3 | sed 's/^/  thread /'
  )
done

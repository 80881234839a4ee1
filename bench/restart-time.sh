#!/usr/bin/env bash
# usage: LOAD_SECONDS=8 RUNS=3 BENCH_BIN=BINDIR bash bench/restart-time.sh [OTHER_BINDIR…]
# How long tilld takes from exec to accepting connections on the data directory of a daemon killed with SIGKILL at full
# load (issue 12: start-up verifies the journal, replays what the database lacks, checkpoints). One daemon (BENCH_BIN's
# tilld and till-sim, or the tree's release builds) gets 100,000 members, then LOAD_SECONDS of 64 closed-loop terminals
# and a SIGKILL; the data directory is kept, and each run restarts a fresh copy of it with each BINDIR's tilld in turn
# (BENCH_BIN's first), printing the time to "listening on" and the store_recovered line. About 8 s of load leaves a
# zero-filled last journal segment; 50 s or more, a recycled one (its earlier life after the records).
source "$(dirname "$0")/bench-daemon.sh"
port=18795
bench_start_tilld $port "$work/tilld.log"
bench_seed $port 200
bench_closed_loop_started $port "$(( ${LOAD_SECONDS:-8} + 4 ))" 64
sleep "${LOAD_SECONDS:-8}"
kill -9 "$tilld_pid"; wait "$tilld_pid" 2>/dev/null || true; tilld_pid=""
wait "$sim_pid" || true
mv "$work/data" "$work/crashed"
for run in $(seq 1 "${RUNS:-3}"); do
  for dir in "$bin" "$@"; do
    rm -rf "$work/data" && cp -a "$work/crashed" "$work/data" && sync
    start=$(date +%s%N)
    "$dir/tilld" --data-directory "$work/data" --listen "127.0.0.1:$((port + 2))" --tls-certificate "$cert" \
      --tls-key "$key" --log-level info > "$work/restart.log" 2>&1 &
    tilld_pid=$!
    until grep -q "listening on" "$work/restart.log"; do
      kill -0 "$tilld_pid" 2>/dev/null || { cat "$work/restart.log"; exit 1; }
      sleep 0.002
    done
    echo "run $run $dir: listening after $(( ($(date +%s%N) - start) / 1000000 )) ms;" \
      "$(grep -o 'event=store_recovered.*' "$work/restart.log")"
    kill -TERM "$tilld_pid"; wait "$tilld_pid" || true; tilld_pid=""
  done
done

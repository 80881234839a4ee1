#!/usr/bin/env bash
# usage: TILLD_FLAGS="…" [RANK=1] bash bench/writer-split.sh BINDIR [terminals] [profile seconds]
# BINDIR holds release builds of tilld and till-sim. One daemon over TLS, 100,000 members seeded, a closed loop of
# 64 terminals (purchases) for 15 s; 3 s into the loop, `perf record --call-graph dwarf` samples the writer thread
# (the daemon thread with most CPU) for 4 s. Prints the run's figures and where the writer's CPU went, each sample
# given to the first category its call chain meets (bench/writer-split.py): what a projector thread would take over
# (SQL writes, COMMIT, checkpoint) and what a ledger keeps (reads, rules, encodings, journal, answers). DWARF
# unwinding is what attributes SQLite's samples to their callers (libsqlite3 has no frame pointers). The thread
# sampled is the daemon's RANK-th busiest over 2 s of the loop (default 1: the writer; with `--ledger-thread true`
# the ledger is 1 and the writer 2). KEEP_CHAINS=FILE keeps the call chains there for a closer look.
BENCH_BIN=$1; T=${2:-64}; S=${3:-4}
source "$(dirname "$0")/bench-daemon.sh"
port=18802
bench_start_tilld $port "$work/tilld.log" ${TILLD_FLAGS:-}
bench_seed $port 200
bench_closed_loop_started $port 15 "$T"
sleep 1
bench_threads_snapshot > "$work/t0"; sleep 2; bench_threads_snapshot > "$work/t1"
writer=$(join "$work/t0" "$work/t1" | awk '{print $5 - $3, $1}' | sort -rn | sed -n "${RANK:-1}p" | cut -d' ' -f2)
before=$(bench_thread_ticks "$writer")
perf record -F 999 --call-graph dwarf,16384 -t "$writer" -o "$work/perf.data" -- sleep "$S" > /dev/null 2>&1
wait "$sim_pid"
after=$(bench_thread_ticks "$writer")
grep -E "^run closed|^purchase |CPU" $work/run.txt
n=$(grep -E '^purchase ' $work/run.txt | awk '{print $2}')
# the writer's CPU from 3 s into the run to its end, over the purchases of those 12 s (≈ 12/15 of the run's)
echo "sampled thread: $(bench_us_per_purchase $((after - before)) "$n" 12/15) µs of CPU per purchase"
perf script -i "$work/perf.data" -F comm,tid,ip,sym > "$work/chains.txt" 2> "$work/perf-script.err" || { tail -n 5 "$work/perf-script.err"; exit 1; }
python3 bench/writer-split.py "$work/chains.txt"
if [ -n "${KEEP_CHAINS:-}" ]; then cp "$work/chains.txt" "$KEEP_CHAINS"; fi
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"

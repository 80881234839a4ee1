# Sourced by the daemon benchmarks (sim-bench.sh, recovery-bench.sh, thread-cpu.sh, writer-time.sh, open-loop.sh):
# release builds of tilld and till-sim (the tree's, built here, or those in BENCH_BIN when set: copies taken out of
# .build/release so that two builds can be compared), a work folder removed on exit (stopping a daemon started with
# bench_start_tilld), TLS certificates, and a daemon on the embedded default store. Defines: bin, work, ca, cert, key,
# tilld_pid, operator_key, bench_start_tilld, bench_seed, bench_closed_loop_started, bench_writer_thread,
# bench_thread_ticks, bench_us_per_purchase, bench_threads_snapshot, bench_threads_us_per_purchase.
set -euo pipefail
if [ -n "${BENCH_BIN:-}" ]; then
  bin=$(cd "$BENCH_BIN" && pwd)
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
else
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  export PATH="/opt/swift/usr/bin:$PATH"
  swift build -c release --product tilld 2>&1 | tail -n 1
  swift build -c release --product till-sim 2>&1 | tail -n 1
  bin=$(swift build -c release --show-bin-path)
fi
work=$(mktemp -d /tmp/till-bench.XXXXXX)
tilld_pid=""
bench_cleanup() {
  if [ -n "$tilld_pid" ] && kill -0 "$tilld_pid" 2>/dev/null; then kill -TERM "$tilld_pid"; wait "$tilld_pid" || true; fi
  rm -rf "$work"
}
trap bench_cleanup EXIT

"$bin/till-sim" certs --dir "$work/certs" > "$work/certs.txt"
ca=$(grep '^ca=' "$work/certs.txt" | cut -d= -f2-)
cert=$(grep '^certificate=' "$work/certs.txt" | cut -d= -f2-)
key=$(grep '^key=' "$work/certs.txt" | cut -d= -f2-)

# bench_start_tilld PORT LOGFILE [tilld options…]: starts tilld with TLS on 127.0.0.1:PORT, data in $work/data, and
# waits until it listens and has written the demo keys (sets tilld_pid and operator_key).
bench_start_tilld() {
  local port=$1 log=$2; shift 2
  "$bin/tilld" --data-directory "$work/data" --listen "127.0.0.1:$port" --tls-certificate "$cert" --tls-key "$key" \
    --log-level warning "$@" > "$log" 2>&1 &
  tilld_pid=$!
  for _ in $(seq 1 200); do grep -q "listening on" "$log" && [ -f "$work/data/demo-keys.json" ] && break; sleep 0.05; done
  operator_key=$(grep -o '"operatorKey":"[^"]*"' "$work/data/demo-keys.json" | cut -d'"' -f4)
}

# bench_seed PORT TERMINALS [seed options…]: 100,000 members, TERMINALS terminal keys and 2,000 gifts through the
# daemon on PORT; the terminals' keys go to $work/terminals.json.
bench_seed() {
  local port=$1 terminals=$2; shift 2
  "$bin/till-sim" seed --server "127.0.0.1:$port" --tls-ca "$ca" --operator-key "$operator_key" --members 100000 \
    --terminals "$terminals" --gifts 2000 --terminals-file "$work/terminals.json" "$@" | tail -n 1
}

# bench_closed_loop_started PORT SECONDS TERMINALS [till-sim run options…]: a closed loop of purchases against the
# daemon on PORT, started in the background over the seeded terminals (output in $work/run.txt; sets sim_pid).
bench_closed_loop_started() {
  local port=$1 seconds=$2 terminals=$3; shift 3
  "$bin/till-sim" run --server "127.0.0.1:$port" --tls-ca "$ca" --terminals-file "$work/terminals.json" \
    --working-set 100000 --daemon-pid "$tilld_pid" --duration "${seconds}s" --terminals "$terminals" --mix purchases \
    "$@" > "$work/run.txt" 2>&1 &
  sim_pid=$!
}

# bench_writer_thread: the id of the daemon's writer thread, the one that has used most CPU so far (call it once the
# load runs; the threads are unnamed).
bench_writer_thread() {
  for t in /proc/$tilld_pid/task/*; do echo "$(awk '{print $14+$15}' "$t/stat") $(basename "$t")"; done | sort -rn | head -n 1 | cut -d' ' -f2
}

# bench_thread_ticks TID: the daemon thread's CPU so far (utime + stime), in clock ticks.
bench_thread_ticks() { awk '{print $14+$15}' "/proc/$tilld_pid/task/$1/stat"; }

# bench_us_per_purchase TICKS PURCHASES SHARE: TICKS of one thread's CPU over the purchases of the part of the run they
# were counted in (SHARE of the run's PURCHASES, e.g. 12/15 from 3 s into a 15 s run), in µs per purchase.
bench_us_per_purchase() {
  awk -v d="$1" -v n="$2" -v share="$3" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { split(share, f, "/"); printf "%.1f", d / hz * 1e6 / (n * f[1] / f[2]) }'
}

# bench_threads_snapshot: every daemon thread's id, name and CPU so far (utime + stime, clock ticks), sorted by id.
bench_threads_snapshot() {
  for t in /proc/$tilld_pid/task/*; do echo "$(basename "$t") $(cut -d' ' -f2 "$t/stat") $(awk '{print $14+$15}' "$t/stat")"; done | sort
}

# bench_threads_us_per_purchase BEFORE AFTER PURCHASES: the CPU each thread used between two bench_threads_snapshot
# files, in µs per purchase, busiest first (threads that used none left out).
bench_threads_us_per_purchase() {
  join "$1" "$2" | awk -v n="$3" -v hz="$(getconf CLK_TCK)" \
    '{ d = $5 - $3; if (d > 0) printf "%s %s %.1f us/purchase\n", $1, $2, d / hz * 1e6 / n }' | sort -k3 -rn
}

#!/usr/bin/env bash
# The simulator benchmarks of bench/sim.md: release build, TLS, durable store, simulator and daemon side by side.
# Usage: bench/sim-bench.sh [OUTDIR]   (reports land in OUTDIR, default /tmp/till-sim-bench)
out=${1:-/tmp/till-sim-bench}
mkdir -p "$out" && out=$(cd "$out" && pwd)
port=${BENCH_PORT:-17590}
source "$(dirname "$0")/bench-daemon.sh"
bench_start_tilld "$port" "$out/tilld.log" --metrics-listen "127.0.0.1:$((port + 1))"

server=(--server "127.0.0.1:$port" --tls-ca "$ca")
"$bin/till-sim" seed "${server[@]}" --operator-key "$operator_key" --members 100000 --terminals 10000 --pos-per-branch 50 \
  --gifts 2000 --terminals-file "$work/terminals.json" | tee "$out/seed.txt"

run() {  # name, then run options
  local name=$1; shift
  echo "== $name"
  "$bin/till-sim" run "${server[@]}" --terminals-file "$work/terminals.json" --working-set 100000 --daemon-pid "$tilld_pid" \
    --report-json "$out/$name.json" --label "$name" "$@" | tee "$out/$name.txt"
}
run closed-64-purchases   --terminals 64   --duration "${BENCH_SECONDS:-20}s" --mix purchases
run closed-256-purchases  --terminals 256  --duration "${BENCH_SECONDS:-20}s" --mix purchases
run closed-64-p8-purchases --terminals 64  --duration "${BENCH_SECONDS:-20}s" --mix purchases --pipeline 8
run closed-64-standard    --terminals 64   --duration "${BENCH_SECONDS:-20}s" --mix standard
run identify-low-load     --terminals 64   --duration "${BENCH_SECONDS:-20}s" --mix identify --rate 200 --threads 1
run open-1000-standard    --terminals 1000  --duration "${BENCH_SECONDS:-20}s" --mix standard --rate "${BENCH_RATE:-600}"
run open-10000-standard   --terminals 10000 --duration "${BENCH_SECONDS:-20}s" --mix standard --rate "${BENCH_RATE:-600}" --connect-wave 500
echo "reports in $out"

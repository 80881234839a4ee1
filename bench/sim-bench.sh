#!/usr/bin/env bash
# The simulator benchmarks of bench/sim.md: release build, TLS, durable store, simulator and daemon side by side.
# Usage: bench/sim-bench.sh [OUTDIR]   (reports land in OUTDIR, default /tmp/till-sim-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
out=${1:-/tmp/till-sim-bench}
mkdir -p "$out"
swift build -c release --product tilld 2>&1 | tail -n 1
swift build -c release --product till-sim 2>&1 | tail -n 1
bin=$(swift build -c release --show-bin-path)
port=${BENCH_PORT:-17590}
work=$(mktemp -d /tmp/till-sim-bench.XXXXXX)
tilld_pid=""
cleanup() {
  if [ -n "$tilld_pid" ] && kill -0 "$tilld_pid" 2>/dev/null; then kill -TERM "$tilld_pid"; wait "$tilld_pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$bin/till-sim" certs --dir "$work/certs" > "$work/certs.txt"
ca=$(grep '^ca=' "$work/certs.txt" | cut -d= -f2-)
cert=$(grep '^certificate=' "$work/certs.txt" | cut -d= -f2-)
key=$(grep '^key=' "$work/certs.txt" | cut -d= -f2-)

"$bin/tilld" --data-directory "$work/data" --listen "127.0.0.1:$port" --metrics-listen "127.0.0.1:$((port + 1))" \
  --tls-certificate "$cert" --tls-key "$key" --log-level warning > "$out/tilld.log" 2>&1 &
tilld_pid=$!
for _ in $(seq 1 200); do grep -q "listening on" "$out/tilld.log" && [ -f "$work/data/demo-keys.json" ] && break; sleep 0.05; done
operator_key=$(grep -o '"operatorKey":"[^"]*"' "$work/data/demo-keys.json" | cut -d'"' -f4)

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

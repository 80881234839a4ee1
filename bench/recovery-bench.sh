#!/usr/bin/env bash
# Recovery after kill -9 at full load (issue 12): release build, TLS, 100,000 members, 64 closed-loop terminals posting
# purchases; till-sim SIGKILLs tilld at seeded moments and restarts it on the same data directory, printing how long
# each restart took to accept connections again (journal verified and replayed, store checkpointed); --verify checks
# that every acknowledged purchase is there exactly once afterwards.
# Usage: bench/recovery-bench.sh [OUTDIR]   (BENCH_SECONDS, default 40; BENCH_KILLS, default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
out=${1:-/tmp/till-recovery-bench}
mkdir -p "$out"
swift build -c release --product tilld 2>&1 | tail -n 1
swift build -c release --product till-sim 2>&1 | tail -n 1
bin=$(swift build -c release --show-bin-path)
port=${BENCH_PORT:-17690}
work=$(mktemp -d /tmp/till-recovery-bench.XXXXXX)
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
tls=(--tls-certificate "$cert" --tls-key "$key")

"$bin/tilld" --data-directory "$work/data" --listen "127.0.0.1:$port" "${tls[@]}" --log-level warning > "$out/tilld.log" 2>&1 &
tilld_pid=$!
for _ in $(seq 1 200); do grep -q "listening on" "$out/tilld.log" && [ -f "$work/data/demo-keys.json" ] && break; sleep 0.05; done
operator_key=$(grep -o '"operatorKey":"[^"]*"' "$work/data/demo-keys.json" | cut -d'"' -f4)
server=(--server "127.0.0.1:$port" --tls-ca "$ca")
"$bin/till-sim" seed "${server[@]}" --operator-key "$operator_key" --members 100000 --terminals 200 \
  --gifts 2000 --terminals-file "$work/terminals.json" | tee "$out/seed.txt"
kill -TERM "$tilld_pid"; wait "$tilld_pid" || true; tilld_pid=""

tilld_args=()
for a in "${tls[@]}"; do tilld_args+=(--tilld-arg "$a"); done
"$bin/till-sim" run "${server[@]}" --terminals-file "$work/terminals.json" --working-set 100000 --terminals 64 \
  --mix purchases --duration "${BENCH_SECONDS:-40}s" --seed 11 --verify --chaos kill --kills "${BENCH_KILLS:-5}" \
  --tilld "$bin/tilld" --data "$work/data" "${tilld_args[@]}" --report-json "$out/recovery.json" --label recovery \
  | tee "$out/recovery.txt"
grep -h "store_recovered" "$work/data.tilld.log" | tee "$out/store_recovered.txt" || true
echo "reports in $out"

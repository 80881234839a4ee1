#!/usr/bin/env bash
# Recovery after kill -9 at full load (issue 12): release build, TLS, 100,000 members, 64 closed-loop terminals posting
# purchases; till-sim SIGKILLs tilld at seeded moments and restarts it on the same data directory, printing how long
# each restart took to accept connections again (journal verified and replayed, store checkpointed); --verify checks
# that every acknowledged purchase is there exactly once afterwards.
# Usage: bench/recovery-bench.sh [OUTDIR]   (BENCH_SECONDS, default 40; BENCH_KILLS, default 5)
out=${1:-/tmp/till-recovery-bench}
mkdir -p "$out" && out=$(cd "$out" && pwd)
port=${BENCH_PORT:-17690}
source "$(dirname "$0")/bench-daemon.sh"
bench_start_tilld "$port" "$out/tilld.log"
tls=(--tls-certificate "$cert" --tls-key "$key")
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

# Sourced by the daemon benchmarks (sim-bench.sh, recovery-bench.sh): release builds of tilld and till-sim, a work
# folder removed on exit (stopping a daemon started with bench_start_tilld), TLS certificates, and a daemon on the
# embedded default store. Defines: bin, work, ca, cert, key, tilld_pid, operator_key, bench_start_tilld.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="/opt/swift/usr/bin:$PATH"
swift build -c release --product tilld 2>&1 | tail -n 1
swift build -c release --product till-sim 2>&1 | tail -n 1
bin=$(swift build -c release --show-bin-path)
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

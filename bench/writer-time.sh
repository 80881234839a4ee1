#!/usr/bin/env bash
# usage: TILLD_FLAGS="…" bash bench/writer-time.sh BINDIR [terminals]
# BINDIR holds release builds of tilld and till-sim. One daemon over TLS (extra flags from TILLD_FLAGS), 100,000
# members seeded, a closed loop of 64 terminals (purchases) for 15 s; prints where the writer's wall time per purchase
# went, from /metrics read before and after the run: checkpoints (count and seconds), COMMITs, journal appends
# (write + fdatasync), batches.
set -euo pipefail
B=$1; T=${2:-64}
W=$(mktemp -d /tmp/till-writer-time.XXXXXX)
$B/till-sim certs --dir $W/certs > $W/certs.txt
ca=$(grep '^ca=' $W/certs.txt | cut -d= -f2-); cert=$(grep '^certificate=' $W/certs.txt | cut -d= -f2-); key=$(grep '^key=' $W/certs.txt | cut -d= -f2-)
port=18798
$B/tilld --data-directory $W/data --listen 127.0.0.1:$port --metrics-listen 127.0.0.1:$((port+1)) --tls-certificate $cert \
  --tls-key $key --log-level warning ${TILLD_FLAGS:-} > $W/tilld.log 2>&1 &
pid=$!
for _ in $(seq 1 200); do grep -q "listening on" $W/tilld.log && [ -f $W/data/demo-keys.json ] && break; sleep 0.05; done
op=$(grep -o '"operatorKey":"[^"]*"' $W/data/demo-keys.json | cut -d'"' -f4)
server=(--server 127.0.0.1:$port --tls-ca $ca)
$B/till-sim seed "${server[@]}" --operator-key "$op" --members 100000 --terminals 200 --gifts 2000 --terminals-file $W/terminals.json | tail -1
m() {
  curl -s 127.0.0.1:$((port+1))/metrics | grep -E "^(till_journal_sync_microseconds_total|till_writer_commit_microseconds_total|till_writer_checkpoint_seconds_sum|till_writer_checkpoint_seconds_count|till_writer_batches_total) "
}
m > $W/m0
$B/till-sim run "${server[@]}" --terminals-file $W/terminals.json --working-set 100000 --daemon-pid $pid --duration 15s \
  --terminals $T --mix purchases > $W/run.txt 2>&1
m > $W/m1
grep -E "^run closed|^purchase |CPU" $W/run.txt
n=$(grep -E '^purchase ' $W/run.txt | awk '{print $2}')
join <(sort $W/m0) <(sort $W/m1) | awk -v n=$n '{d=$3-$2; u=""; if ($1 ~ /seconds_sum/) {d=d*1e6; u=" (µs)"}; printf "%s%s: %.0f in the run, %.2f per purchase\n", $1, u, d, d/n}'
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
kill $pid; wait $pid || true
rm -rf "$W"

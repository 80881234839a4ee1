#!/usr/bin/env bash
# usage: bash bench/thread-cpu.sh BINDIR [terminals] [mix]
# BINDIR holds release builds of tilld and till-sim (copy them out of .build/release so that two builds can be
# compared). One daemon over TLS, 100,000 members seeded, a closed loop of 64 terminals (purchases) for 15 s; prints
# each daemon thread's CPU (utime + stime from /proc) divided by the purchases answered.
set -euo pipefail
B=$1; T=${2:-64}; MIX=${3:-purchases}
W=$(mktemp -d /tmp/till-thread-cpu.XXXXXX); rm -rf $W; mkdir -p $W
$B/till-sim certs --dir $W/certs > $W/certs.txt
ca=$(grep '^ca=' $W/certs.txt | cut -d= -f2-); cert=$(grep '^certificate=' $W/certs.txt | cut -d= -f2-); key=$(grep '^key=' $W/certs.txt | cut -d= -f2-)
port=18796
$B/tilld --data-directory $W/data --listen 127.0.0.1:$port --metrics-listen 127.0.0.1:$((port+1)) --tls-certificate $cert --tls-key $key --log-level warning > $W/tilld.log 2>&1 &
pid=$!
for _ in $(seq 1 200); do grep -q "listening on" $W/tilld.log && [ -f $W/data/demo-keys.json ] && break; sleep 0.05; done
op=$(grep -o '"operatorKey":"[^"]*"' $W/data/demo-keys.json | cut -d'"' -f4)
server=(--server 127.0.0.1:$port --tls-ca $ca)
$B/till-sim seed "${server[@]}" --operator-key "$op" --members 100000 --terminals 200 --gifts 2000 --terminals-file $W/terminals.json | tail -1
snap() { for t in /proc/$pid/task/*; do echo "$(basename $t) $(cut -d' ' -f2 $t/stat) $(awk '{print $14+$15}' $t/stat)"; done; }
snap > $W/before.txt
$B/till-sim run "${server[@]}" --terminals-file $W/terminals.json --working-set 100000 --daemon-pid $pid --duration 15s --terminals $T --mix $MIX > $W/run.txt 2>&1
snap > $W/after.txt
grep -E "^run |^purchase |CPU" $W/run.txt
n=$(grep -E '^purchase ' $W/run.txt | awk '{print $2}')
hz=$(getconf CLK_TCK)
join <(sort $W/before.txt) <(sort $W/after.txt) | awk -v n=$n -v hz=$hz '{d=$5-$3; if (d>0) printf "%s %s %.1f us/purchase\n", $1, $2, d/hz*1e6/n}' | sort -k3 -rn
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
kill $pid; wait $pid || true
rm -rf "$W"

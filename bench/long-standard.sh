#!/usr/bin/env bash
# usage: [TILLD_FLAGS="…"] bash bench/long-standard.sh BINDIR [seconds] [terminals] [mix]
# BINDIR holds release builds of tilld and till-sim. One daemon over TLS, 100,000 members seeded, a closed loop of
# 64 terminals on the standard mix (purchases, identifies, statuses; or `mix`) for `seconds` (300): for every 20 s
# window prints the daemon's write requests and reads that waited for a COMMIT per second, the journal appends' mean
# write + fdatasync time, the checkpoints' time per second (from /metrics), the writer thread's and the whole daemon's
# CPU per write and its resident memory, or that the daemon is gone (the first window's figures count from the
# daemon's start). Written to show a daemon that slows down or dies over time, which a 15 s run does not.
BENCH_BIN=$1; S=${2:-300}; T=${3:-64}; MIX=${4:-standard}
source "$(dirname "$0")/bench-daemon.sh"
port=18805
bench_start_tilld $port "$work/tilld.log" --metrics-listen 127.0.0.1:$((port + 1)) ${TILLD_FLAGS:-}
bench_seed $port 200
bench_closed_loop_started $port "$S" "$T" --mix "$MIX"
metrics() { curl -s 127.0.0.1:$((port + 1))/metrics > "$work/metrics.txt"; }
metric() { awk -v m="$1" '$1 == m {print $2}' "$work/metrics.txt"; }
all_ticks() { awk '{print $14+$15}' "/proc/$tilld_pid/stat"; }
writer=""; last=(0 0 0 0 0 0 0)
for ((i = 20; i <= S; i += 20)); do
  sleep 20
  if ! kill -0 "$tilld_pid" 2>/dev/null; then echo "t=${i}s tilld is gone"; break; fi
  [ -n "$writer" ] || writer=$(bench_writer_thread)
  metrics
  now=($(metric till_writer_requests_total) $(metric till_reads_waited_for_commit_total) $(metric till_journal_sync_seconds_sum) \
       $(metric till_journal_sync_seconds_count) $(metric till_writer_checkpoint_seconds_sum) $(bench_thread_ticks "$writer") $(all_ticks))
  rss=$(awk '$1 == "VmRSS:" {print $2}' "/proc/$tilld_pid/status")
  awk -v t="$i" -v rss="$rss" -v hz="$(getconf CLK_TCK)" -v a="${last[*]}" -v b="${now[*]}" 'BEGIN {
    split(a, x, " "); split(b, y, " "); w = y[1] - x[1]; if (w < 1) w = 1
    printf "t=%ss writes/s=%.0f reads_waited/s=%.0f journal_sync_mean_us=%.0f checkpoint_ms/s=%.0f writer_us/write=%.1f daemon_us/write=%.1f rss_mib=%.0f\n",
      t, w / 20, (y[2] - x[2]) / 20, (y[4] > x[4] ? (y[3] - x[3]) / (y[4] - x[4]) * 1e6 : 0), (y[5] - x[5]) / 20 * 1e3,
      (y[6] - x[6]) / hz * 1e6 / w, (y[7] - x[7]) / hz * 1e6 / w, rss / 1024 }'
  last=("${now[@]}")
done
wait "$sim_pid"
grep -E "^run closed|^purchase |^identify |^status " "$work/run.txt"
tail -n 3 "$work/tilld.log"

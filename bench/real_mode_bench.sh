#!/usr/bin/env bash
# redis-benchmark against one real-mode node (`slotsim node`) and one real
# redis-server on the same machine, same commands, side by side. Both run as
# single cluster nodes that own every slot, with the same persistence, so the
# only difference is the server. Rounds alternate between the two and the best
# round of each counts: other load on the machine only ever slows a round down.
#
# Usage: bench/real_mode_bench.sh [SLOTSIM_BINARY]
#   BENCH_REQUESTS (200000) BENCH_CLIENTS (50) BENCH_PIPELINE (1) BENCH_ROUNDS (3)
#   BENCH_TESTS (get,set) BENCH_AOF (no: appendonly for both) BENCH_BASE_PORT (21101; buses +10000, below the ephemeral range)
# Target (issue 9): at least 50% of redis-server's ops/s for GET and SET.
set -uo pipefail

SLOTSIM=$(realpath "${1:-build/slotsim}")
REQUESTS=${BENCH_REQUESTS:-200000}
CLIENTS=${BENCH_CLIENTS:-50}
PIPELINE=${BENCH_PIPELINE:-1}
ROUNDS=${BENCH_ROUNDS:-3}
TESTS=${BENCH_TESTS:-get,set}
AOF=${BENCH_AOF:-no}
OURS_PORT=${BENCH_BASE_PORT:-21101}
REDIS_PORT=$((OURS_PORT + 1))
WORK=$(mktemp -d /tmp/slotsim-real-bench.XXXXXX)
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for tool in redis-server redis-benchmark redis-cli; do
  command -v "$tool" >/dev/null || { echo "real_mode_bench: $tool not found (apt-get install redis-server redis-tools)"; exit 2; }
done
[[ -x $SLOTSIM ]] || { echo "real_mode_bench: no slotsim binary at $SLOTSIM (build first)"; exit 2; }

mkdir -p "$WORK/ours" "$WORK/redis"
"$SLOTSIM" node --port "$OURS_PORT" --cluster-enabled yes --dir "$WORK/ours" --logfile "$WORK/ours/log" \
  --appendonly "$AOF" &
PIDS+=($!)
redis-server --port "$REDIS_PORT" --cluster-enabled yes --cluster-config-file nodes.conf --dir "$WORK/redis" \
  --save "" --appendonly "$AOF" --logfile "$WORK/redis/log" --bind 127.0.0.1 &
PIDS+=($!)

ready() {  # port: PING answers and the node, owning every slot, serves writes
  [[ $(redis-cli -p "$1" SET bench:ready 1 2>/dev/null) == OK ]]
}
for port in "$OURS_PORT" "$REDIS_PORT"; do
  for _ in $(seq 1 50); do redis-cli -p "$port" PING >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -p "$port" CLUSTER ADDSLOTSRANGE 0 16383 >/dev/null
  for _ in $(seq 1 100); do ready "$port" && break; sleep 0.1; done
  ready "$port" || { echo "real_mode_bench: the server on port $port does not serve writes"; exit 1; }
done

declare -A BEST=()  # "side test" -> best ops/s
run_round() {  # side port
  local side=$1 port=$2 line test rps
  while IFS= read -r line; do
    test=$(cut -d, -f1 <<<"$line" | tr -d '"')
    rps=$(cut -d, -f2 <<<"$line" | tr -d '"')
    [[ $rps =~ ^[0-9.]+$ ]] || continue
    if [[ -z ${BEST["$side $test"]:-} ]] || awk -v a="$rps" -v b="${BEST["$side $test"]}" 'BEGIN {exit !(a > b)}'; then
      BEST["$side $test"]=$rps
    fi
  done < <(redis-benchmark -p "$port" -t "$TESTS" -n "$REQUESTS" -c "$CLIENTS" -P "$PIPELINE" --csv 2>/dev/null)
}
for round in $(seq 1 "$ROUNDS"); do
  run_round slotsim "$OURS_PORT"
  run_round redis "$REDIS_PORT"
done

echo "redis-benchmark -t $TESTS -n $REQUESTS -c $CLIENTS -P $PIPELINE, best of $ROUNDS rounds, appendonly $AOF"
printf '%-6s %16s %18s %7s\n' test "slotsim node/s" "redis-server/s" ratio
verdict=met
for test in $(tr ',' '\n' <<<"${TESTS^^}"); do
  ours=${BEST["slotsim $test"]:-0}
  theirs=${BEST["redis $test"]:-0}
  ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN {printf "%.2f", (b > 0) ? a / b : 0}')
  printf '%-6s %16.0f %18.0f %7s\n' "$test" "$ours" "$theirs" "$ratio"
  awk -v r="$ratio" 'BEGIN {exit !(r >= 0.5)}' || verdict="NOT met"
done
echo "target (>= 0.50 of redis-server for each test): $verdict"

#!/usr/bin/env bash
# Real mode end to end: six `slotsim node` processes on 127.0.0.1, driven by
# the real tools, unmodified: redis-cli --cluster create/check/reshard,
# redis-cli -c, redis-py's RedisCluster; then malformed input on a client port
# and a bus port, a primary killed with SIGKILL (its replica must take over
# through the bus), the dead node restarted, and AUTH on a node with
# requirepass.
#
# Usage: tests/real_mode_test.sh [SLOTSIM_BINARY]
#   REAL_MODE_BASE_PORT (default 21001): clients on BASE..BASE+6, buses on +10000;
#     below the ephemeral range, so no client's TIME_WAIT port can block a bus listener
#   REAL_MODE_KEEP=1: keep the scratch directory (node logs) afterwards
# Installs redis-tools and python3-redis with apt-get when missing. Every
# process it starts is stopped by pid on exit, pass or fail.
set -uo pipefail

SLOTSIM=$(realpath "${1:-build/slotsim}")
HERE=$(cd "$(dirname "$0")" && pwd)
BASE=${REAL_MODE_BASE_PORT:-21001}
HOST=127.0.0.1
PORTS=()
for i in 0 1 2 3 4 5; do PORTS+=($((BASE + i))); done
AUTH_PORT=$((BASE + 6))
NODE_TIMEOUT_MS=2000
WORK=$(mktemp -d /tmp/slotsim-real-mode.XXXXXX)
declare -A PID_OF=()   # port -> pid of the node serving it
WRITER_PID=""
FAILED=()

cleanup() {
  local pids=("${PID_OF[@]}")
  [[ -n $WRITER_PID ]] && pids+=("$WRITER_PID")
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for _ in $(seq 1 30); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  if ((${#FAILED[@]} > 0)); then
    for port in "${PORTS[@]}" "$AUTH_PORT"; do
      [[ -f $WORK/$port/log ]] && { echo "--- last lines of node $port's log"; tail -n 15 "$WORK/$port/log"; }
    done
  fi
  if [[ ${REAL_MODE_KEEP:-0} == 1 ]]; then echo "node directories kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*"; }
pass() { say "PASS $1"; }
fail() {
  say "FAIL $1${2:+: $2}"
  FAILED+=("$1")
}
# Polls a command until it succeeds, for at most $1 seconds.
eventually() {
  local seconds=$1
  shift
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS >= deadline)) && return 1
    sleep 0.2
  done
}

# --- tools ---
PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || PYTHON=$(command -v python3)
missing=()
command -v redis-cli >/dev/null || missing+=(redis-tools)
"$PYTHON" -c 'import redis.cluster' 2>/dev/null || missing+=(python3-redis)
if ((${#missing[@]} > 0)); then
  say "installing ${missing[*]}"
  apt-get install -y "${missing[@]}" >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y "${missing[@]}" >/dev/null 2>&1; } ||
    { say "FAIL cannot install ${missing[*]} (run as root, or install them)"; exit 1; }
fi
[[ -x $SLOTSIM ]] || { say "FAIL no slotsim binary at $SLOTSIM (build first)"; exit 1; }

cli() { redis-cli -h "$HOST" "$@"; }

start_node() {  # port [extra options...]
  local port=$1
  shift
  mkdir -p "$WORK/$port"
  "$SLOTSIM" node --port "$port" --cluster-enabled yes --dir "$WORK/$port" --logfile "$WORK/$port/log" \
    --cluster-node-timeout "$NODE_TIMEOUT_MS" "$@" 2>>"$WORK/$port/stderr" &
  PID_OF[$port]=$!
  if ! eventually 5 bash -c "redis-cli -h $HOST -p $port PING 2>/dev/null | grep -q -e PONG -e NOAUTH"; then
    say "node $port did not answer PING: $(cat "$WORK/$port/stderr")"
    return 1
  fi
}

cluster_ok() {  # port: --cluster check finds every slot covered and every node agreeing
  local out
  out=$(cli --cluster check "$HOST:$1" 2>&1)
  grep -q "All 16384 slots covered" <<<"$out" && grep -q "All nodes agree" <<<"$out" && ! grep -q "ERR" <<<"$out"
}

# Every running node reports cluster_state:ok (a primary that just saw the
# cluster form waits up to the node timeout before it serves, as Redis does).
all_states_ok() {
  local port
  for port in "${!PID_OF[@]}"; do
    [[ $port == "$AUTH_PORT" ]] && continue
    cli -p "$port" CLUSTER INFO 2>/dev/null | grep -q "^cluster_state:ok" || return 1
  done
}

# --- 1. six nodes ---
started=1
for port in "${PORTS[@]}"; do start_node "$port" || started=0; done
((started)) && pass "six nodes answer PING on ${PORTS[0]}-${PORTS[5]}" || { fail "start six nodes"; exit 1; }

# --- 2. redis-cli --cluster create ---
addresses=()
for port in "${PORTS[@]}"; do addresses+=("$HOST:$port"); done
if cli --cluster create "${addresses[@]}" --cluster-replicas 1 --cluster-yes >"$WORK/create.log" 2>&1 &&
  grep -q "All 16384 slots covered" "$WORK/create.log"; then
  pass "redis-cli --cluster create (3 primaries, 3 replicas)"
else
  fail "redis-cli --cluster create" "$(tail -n 5 "$WORK/create.log")"
  exit 1
fi

# --- 3. redis-cli --cluster check ---
eventually 20 cluster_ok "${PORTS[0]}" && eventually 20 all_states_ok &&
  pass "redis-cli --cluster check: all slots covered, nodes agree, every node's cluster_state is ok" ||
  fail "redis-cli --cluster check" "$(cli --cluster check "$HOST:${PORTS[0]}" 2>&1 | tail -n 5)"

# --- 4. redis-cli -c follows MOVED ---
bad=0
for i in $(seq 1 100); do [[ $(cli -c -p "${PORTS[1]}" SET "cli:$i" "v$i") == OK ]] || bad=$((bad + 1)); done
for i in $(seq 1 100); do [[ $(cli -c -p "${PORTS[2]}" GET "cli:$i") == "v$i" ]] || bad=$((bad + 1)); done
((bad == 0)) && pass "redis-cli -c: 100 keys written and read through MOVED" || fail "redis-cli -c" "$bad of 200 operations wrong"

# --- 5. reshard while a client writes ---
source_id=$(cli -p "${PORTS[0]}" CLUSTER MYID)
target_id=$(cli -p "${PORTS[1]}" CLUSTER MYID)
(
  i=0
  while [[ ! -f $WORK/reshard.done ]]; do
    i=$((i + 1))
    [[ $(redis-cli -h "$HOST" -c -p "${PORTS[0]}" SET "rs:$i" "w$i" 2>/dev/null) == OK ]] && echo "$i" >>"$WORK/acked"
  done
) &
WRITER_PID=$!
if cli --cluster reshard "$HOST:${PORTS[0]}" --cluster-from "$source_id" --cluster-to "$target_id" \
  --cluster-slots 1000 --cluster-yes >"$WORK/reshard.log" 2>&1; then
  reshard_rc=0
else
  reshard_rc=$?
fi
touch "$WORK/reshard.done"
wait "$WRITER_PID" 2>/dev/null
WRITER_PID=""
lost=0
acked=0
while read -r i; do
  acked=$((acked + 1))
  [[ $(cli -c -p "${PORTS[2]}" GET "rs:$i") == "w$i" ]] || lost=$((lost + 1))
done <"$WORK/acked"
moved=$(cli -p "${PORTS[1]}" CLUSTER NODES | awk '/myself/ {print}' | grep -c "0-999")
if ((reshard_rc == 0 && lost == 0 && acked > 0 && moved == 1)) && eventually 20 cluster_ok "${PORTS[0]}"; then
  pass "redis-cli --cluster reshard of 1000 slots while writing: $acked acknowledged writes, none lost"
else
  fail "redis-cli --cluster reshard" "rc=$reshard_rc acked=$acked lost=$lost slots_moved=$moved; $(tail -n 3 "$WORK/reshard.log")"
fi

# --- 5b. redis-cli -c follows ASK during an open migration ---
# A key in an empty slot is written and read through the slot's MIGRATING
# owner while it is missing there: the owner answers ASK, redis-cli -c sends
# ASKING to the IMPORTING target, and the migration is then finished.
moved_port() { grep -o 'MOVED [0-9]* [^ ]*' <<<"$1" | sed 's/.*://'; }
ask_key="" ask_slot="" ask_owner=""
for n in $(seq 1 50); do
  candidate="ask:probe:$n"
  reply=$(cli -p "${PORTS[0]}" GET "$candidate" 2>&1)
  port=$(moved_port "$reply")
  port=${port:-${PORTS[0]}}
  slot=$(cli -p "$port" CLUSTER KEYSLOT "$candidate")
  if [[ $(cli -p "$port" CLUSTER COUNTKEYSINSLOT "$slot") == 0 ]]; then
    ask_key=$candidate ask_slot=$slot ask_owner=$port
    break
  fi
done
ask_target=""
for port in $(cli -p "${PORTS[0]}" CLUSTER NODES | awk '$3 ~ /master/ && $3 !~ /fail/ {split($2, a, "[:@]"); print a[2]}'); do
  [[ $port != "$ask_owner" ]] && { ask_target=$port; break; }
done
if [[ -n $ask_key && -n $ask_target ]]; then
  owner_id=$(cli -p "$ask_owner" CLUSTER MYID)
  target_id=$(cli -p "$ask_target" CLUSTER MYID)
  cli -p "$ask_target" CLUSTER SETSLOT "$ask_slot" IMPORTING "$owner_id" >/dev/null
  cli -p "$ask_owner" CLUSTER SETSLOT "$ask_slot" MIGRATING "$target_id" >/dev/null
  raw=$(cli -p "$ask_owner" SET "$ask_key" v1 2>&1)
  written=$(cli -c -p "$ask_owner" SET "$ask_key" v1 2>&1)
  read_back=$(cli -c -p "$ask_owner" GET "$ask_key" 2>&1)
  on_target=$(cli -p "$ask_target" CLUSTER COUNTKEYSINSLOT "$ask_slot")
  # Finish the migration, the target first, so the key ends with its owner.
  cli -p "$ask_target" CLUSTER SETSLOT "$ask_slot" NODE "$target_id" >/dev/null
  cli -p "$ask_owner" CLUSTER SETSLOT "$ask_slot" NODE "$target_id" >/dev/null
  final_read() { [[ $(cli -c -p "${PORTS[0]}" GET "$ask_key" 2>&1) == v1 ]]; }
  if [[ $raw == *"ASK $ask_slot $HOST:$ask_target"* && $written == OK && $read_back == v1 && $on_target == 1 ]] &&
    eventually 20 final_read && eventually 20 cluster_ok "${PORTS[0]}"; then
    pass "redis-cli -c follows ASK: slot $ask_slot MIGRATING $ask_owner -> $ask_target, written and read through ASKING"
  else
    fail "redis-cli -c through ASK" "raw='$raw' set='$written' get='$read_back' keys_on_target=$on_target"
  fi
else
  fail "redis-cli -c through ASK" "no empty slot or no second primary (key='$ask_key' target='$ask_target')"
fi

# --- 6. redis-py RedisCluster workload ---
if out=$(timeout 120 "$PYTHON" "$HERE/real_mode_workload.py" "$HOST" "${PORTS[2]}" 500 2>&1); then
  pass "redis-py RedisCluster: $(tail -n 1 <<<"$out")"
else
  fail "redis-py RedisCluster workload" "$(grep -E "Error|workload" <<<"$out" | tail -n 1)"
fi

# --- 7. malformed input on a client port and a bus port ---
victim=${PORTS[2]}
timeout 120 "$PYTHON" "$HERE/real_mode_garbage.py" "$HOST" "$victim" $((victim + 10000)) 7 >/dev/null 2>&1
served=$(cli -c -p "$victim" GET cli:1)
logged_client=$(grep -c "protocol_error peer=" "$WORK/$victim/log")
logged_bus=$(grep -c "bus_bad_frame" "$WORK/$victim/log")
logged_bus_peer=$(grep "bus_bad_frame" "$WORK/$victim/log" | grep -c "peer=")
if kill -0 "${PID_OF[$victim]}" 2>/dev/null && [[ $served == v1 ]] && ((logged_client > 0 && logged_bus > 0)) &&
  eventually 20 cluster_ok "$victim"; then
  pass "malformed input: node $victim keeps serving; logged $logged_client bad clients, $logged_bus bad bus frames"
else
  fail "malformed input" "alive=$(kill -0 "${PID_OF[$victim]}" 2>/dev/null && echo yes || echo no) GET=$served protocol_errors=$logged_client bus_bad_frames=$logged_bus"
fi
((logged_bus_peer == logged_bus && logged_bus > 0)) && pass "malformed bus frames are logged with the peer's address" ||
  fail "malformed bus frames are logged with the peer's address" "$logged_bus_peer of $logged_bus bus_bad_frame lines name the peer"

# --- 8. kill a primary: its replica takes over through the bus ---
primary=${PORTS[0]}
primary_id=$(cli -p "$primary" CLUSTER MYID)
replica_line=$(cli -p "${PORTS[1]}" CLUSTER NODES | awk -v id="$primary_id" '$4 == id')
replica_port=$(awk '{split($2, a, "[:@]"); print a[2]}' <<<"$replica_line")
kill -KILL "${PID_OF[$primary]}"
wait "${PID_OF[$primary]}" 2>/dev/null
unset "PID_OF[$primary]"
role_of() { cli -p "$1" INFO replication | tr -d '\r' | sed -n 's/^role://p'; }
promoted() { [[ $(role_of "$replica_port") == master ]]; }
if [[ -n $replica_port ]] && eventually 30 promoted && eventually 30 cluster_ok "$replica_port"; then
  bad=0
  for i in $(seq 1 100); do [[ $(cli -c -p "$replica_port" GET "cli:$i") == "v$i" ]] || bad=$((bad + 1)); done
  ((bad == 0)) && pass "SIGKILL of primary $primary: replica $replica_port promoted, all slots covered, keys intact" ||
    fail "failover keeps the data" "$bad of 100 keys wrong after the failover"
else
  fail "failover after SIGKILL of primary $primary" "replica=${replica_port:-none}; $(cli -p "${PORTS[1]}" CLUSTER NODES 2>&1)"
fi

# --- 9. the killed node comes back as a replica of its successor ---
start_node "$primary"
rejoined() { [[ $(role_of "$primary") == slave ]] && cluster_ok "$primary"; }
eventually 30 rejoined && pass "restarted node $primary rejoins as a replica" ||
  fail "restarted node $primary rejoins" "role=$(role_of "$primary")"

# --- 10. requirepass and AUTH ---
if start_node "$AUTH_PORT" --requirepass s3cret; then
  noauth=$(cli -p "$AUTH_PORT" GET x 2>&1)
  wrong=$(cli -p "$AUTH_PORT" AUTH nope 2>&1)
  right=$(cli -p "$AUTH_PORT" --no-auth-warning -a s3cret PING 2>&1)
  if [[ $noauth == "NOAUTH Authentication required." && $wrong == WRONGPASS* && $right == PONG ]]; then
    pass "requirepass: NOAUTH before AUTH, WRONGPASS for a bad password, PONG after AUTH"
  else
    fail "requirepass" "before AUTH: '$noauth'; bad password: '$wrong'; good password: '$right'"
  fi
else
  fail "start a node with --requirepass"
fi

if ((${#FAILED[@]} > 0)); then
  say "real mode: ${#FAILED[@]} step(s) failed: ${FAILED[*]}"
  exit 1
fi
say "real mode: every step passed"

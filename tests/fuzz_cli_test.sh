#!/usr/bin/env bash
# slotsim fuzz, replay and shrink end to end, on a scratch trace database:
# a campaign lands every seed; a second one on the same database runs
# nothing again; a failing run replays event for event, also after a
# different build wrote it; a tampered trace is caught at the first differing
# event; a worker killed mid-seed, or past --seed-timeout, yields a `crash`
# row; shrinking stores a smaller run that replays too.
set -u
slotsim=$1
scenarios=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
db=$dir/traces.db
fail() { echo "fuzz_cli_test: $*"; exit 1; }

"$slotsim" fuzz "$scenarios/baseline.toml" "$scenarios/asking_race_none.toml" --seeds 1..3 --jobs 2 --db "$db" \
  >"$dir/out1" 2>"$dir/err1" || { cat "$dir/out1" "$dir/err1"; fail "first campaign failed"; }
[ "$(sqlite3 "$db" 'select count(*) from runs')" = 6 ] || fail "expected 6 runs"
[ "$(sqlite3 "$db" "select count(*) from runs where scenario='asking_race_none' and verdict='safety'")" = 3 ] ||
  fail "the ASKING race was not caught on every seed"
[ "$(sqlite3 "$db" "select count(*) from events e join runs r on r.id = e.run_id where r.verdict = 'pass'")" = 0 ] ||
  fail "passing runs should keep no events"
grep -q "ETA" "$dir/err1" || fail "no progress line"

# Resuming: nothing runs twice.
"$slotsim" fuzz "$scenarios/baseline.toml" "$scenarios/asking_race_none.toml" --seeds 1..4 --jobs 2 --db "$db" \
  >"$dir/out2" 2>/dev/null || fail "second campaign failed"
grep -q "8 runs (6 resumed from the database)" "$dir/out2" || { cat "$dir/out2"; fail "did not resume"; }
[ "$(sqlite3 "$db" 'select count(*) from runs')" = 8 ] || fail "expected 8 runs after resuming"
[ "$(sqlite3 "$db" 'select count(*) from (select scenario, seed from runs group by 1, 2 having count(*) > 1)')" = 0 ] ||
  fail "a seed ran twice"

# Shards split a range without overlap.
"$slotsim" fuzz "$scenarios/baseline.toml" --seeds 10..15 --shard 2/3 >"$dir/shard" 2>/dev/null ||
  fail "shard campaign failed"
grep -q "2 runs" "$dir/shard" || { cat "$dir/shard"; fail "shard 2/3 of 6 seeds should run 2"; }

# Replay, whole and cut short.
id=$(sqlite3 "$db" "select id from runs where verdict = 'safety' order by id limit 1")
"$slotsim" replay "$db" --run "$id" >"$dir/replay" || { cat "$dir/replay"; fail "replay of run $id diverged"; }
grep -q "REPRODUCED" "$dir/replay" || fail "replay did not say REPRODUCED"
"$slotsim" replay "$db" --run "$id" --until 5s --log >"$dir/until" || fail "replay --until failed"
grep -q "^stopped at 5.000000000s" "$dir/until" || { cat "$dir/until"; fail "replay --until did not stop at 5s"; }
grep -q "^#0 " "$dir/until" || fail "replay --log printed no events"

# Another build's run: a warning, and still a replay.
sqlite3 "$db" "update runs set build_id = 'other-build' where id = $id"
"$slotsim" replay "$db" --run "$id" >"$dir/other" 2>"$dir/other_err" || fail "replay of another build's run failed"
grep -q "recorded by build other-build" "$dir/other_err" || fail "no warning about the build"

# A tampered event is the first difference.
sqlite3 "$db" "update events set detail = 'tampered' where run_id = $id and idx = 40"
if "$slotsim" replay "$db" --run "$id" >"$dir/tampered"; then fail "a tampered trace replayed as identical"; fi
grep -q "DIVERGED at event #40" "$dir/tampered" || { cat "$dir/tampered"; fail "divergence not at event 40"; }

# Shrinking stores a smaller run that replays.
shrink_from=$(sqlite3 "$db" "select id from runs where verdict = 'safety' and id != $id order by id limit 1")
"$slotsim" shrink "$db" --run "$shrink_from" --max-runs 40 -o "$dir/min.toml" >"$dir/shrink" 2>/dev/null ||
  { cat "$dir/shrink"; fail "shrink failed"; }
new=$(sqlite3 "$db" "select id from runs where parent_run = $shrink_from")
[ -n "$new" ] || fail "no shrunk run stored"
[ "$(sqlite3 "$db" "select invariant from runs where id = $new")" = lost-write ] || fail "the shrunk run fails otherwise"
"$slotsim" replay "$db" --run "$new" >/dev/null || fail "the shrunk run does not replay"
seed=$(sqlite3 "$db" "select seed from runs where id = $new")
"$slotsim" run "$dir/min.toml" --seed "$seed" >/dev/null; [ $? -eq 1 ] || fail "the minimized scenario file does not fail"

# A worker killed mid-seed: that seed is a crash, the campaign says so.
"$slotsim" fuzz "$scenarios/standard.toml" --seeds 1..4 --jobs 1 --db "$dir/crash.db" >"$dir/crash" 2>/dev/null &
campaign=$!
for _ in $(seq 100); do
  worker=$(pgrep -P $campaign | head -1)
  [ -n "$worker" ] && break
  sleep 0.05
done
[ -n "$worker" ] || fail "no worker process"
kill -9 "$worker"
wait $campaign && fail "a campaign with a crashed seed exited 0"
[ "$(sqlite3 "$dir/crash.db" "select count(*) from runs where verdict = 'crash' and detail like '%signal 9%'")" = 1 ] ||
  { cat "$dir/crash"; fail "the killed worker's seed is not a crash row"; }
[ "$(sqlite3 "$dir/crash.db" 'select count(*) from runs')" = 4 ] || fail "the other seeds did not run"
# A seed past its wall-time limit is killed and recorded, and the campaign goes on.
if "$slotsim" fuzz "$scenarios/standard.toml" --seeds 1..2 --seed-timeout 0.02 --db "$dir/timeout.db" \
  >"$dir/timeout" 2>/dev/null; then fail "a campaign with timed-out seeds exited 0"; fi
[ "$(sqlite3 "$dir/timeout.db" "select count(*) from runs where invariant = 'simulator-timeout'")" = 2 ] ||
  { cat "$dir/timeout"; fail "timed-out seeds are not crash rows"; }

echo "fuzz_cli_test: campaign, resume, shards, replay, divergence, shrink and worker crash all behave"

#!/usr/bin/env bash
# Reports in a real browser (headless Chromium): a failing run's page and a
# campaign page render without script errors, the timeline has one lane per
# node, the operator and each client, and a synthesized run of 100k trace
# events renders in under 3 seconds. Screenshots are left in SHOT_DIR for a
# person to look at. Skipped (exit 77) when Chromium is not installed;
# `./bootstrap test` installs it.
#   report_browser_test.sh SLOTSIM SCENARIOS_DIR SHOT_DIR
set -u
slotsim=$1
scenarios=$2
shots=$3
browser=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$browser" ]; then
  echo "report_browser_test: no chromium on PATH (apt-get install chromium); skipped"
  exit 77
fi
command -v sqlite3 >/dev/null || { echo "report_browser_test: needs the sqlite3 shell"; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "report_browser_test: $*"; exit 1; }
mkdir -p "$shots"

# Headless, as root in CI (no sandbox), with a profile of its own so parallel
# runs do not share one; virtual time lets the page's scripts finish first.
chrome() {
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$dir/profile" \
    --virtual-time-budget=10000 "$@" 2>>"$dir/chromium.log"
}
attribute() {  # attribute NAME DOM_FILE: the value on <html>
  grep -o -m1 "<html[^>]*" "$2" | grep -o "$1=\"[^\"]*\"" | head -1 | sed 's/^[^"]*"//; s/"$//'
}
check_page() {  # check_page FILE: rendered, no script errors; leaves the DOM in FILE.dom
  chrome --dump-dom "file://$1" >"$1.dom" || { tail -5 "$dir/chromium.log"; fail "chromium could not load $1"; }
  [ "$(attribute data-rendered "$1.dom")" = 1 ] || fail "$1 did not finish rendering (script stopped early?)"
  local errors
  errors=$(attribute data-script-errors "$1.dom")
  [ -z "$errors" ] || fail "$1 has script errors: $errors"
}

# A failing run (the scenario fails by design on seed 1): 6 nodes, the
# operator, 4 clients and the final reader.
"$slotsim" run "$scenarios/failover_midway_off.toml" --seed 1 --db "$dir/t.db" >"$dir/run.out"
[ $? -eq 1 ] || { cat "$dir/run.out"; fail "failover_midway_off seed 1 should fail"; }
"$slotsim" report "$dir/t.db" --run 1 -o "$dir/out" >"$dir/report.out" || fail "slotsim report --run failed"
grep -q "run report: $dir/out/run-1.html" "$dir/report.out" || fail "the run report's path is not printed"
check_page "$dir/out/run-1.html"
dom=$dir/out/run-1.html.dom
lanes=$(grep -o 'id="timeline-labels">.*' "$dom" | grep -o 'class="lane-label" data-lane="[^"]*"' | sed 's/.*data-lane="//; s/"$//' | tr '\n' ' ')
[ "$lanes" = "n1 n2 n3 n4 n5 n6 operator p0 p1 p2 p3 p1000000 " ] || fail "unexpected timeline lanes: '$lanes'"
[ "$(attribute data-lanes "$dom")" = 12 ] || fail "the page counts $(attribute data-lanes "$dom") lanes, expected 12"
grep -q 'class="src-history' "$dom" || fail "the event table shows no history rows"
chrome --window-size=1400,2000 --screenshot="$shots/report_run.png" "file://$dir/out/run-1.html" >/dev/null
[ -s "$shots/report_run.png" ] || fail "no screenshot of the run page"

# The campaign page, from the same database.
"$slotsim" report "$dir/t.db" -o "$dir/out" >"$dir/campaign.out" || fail "slotsim report (campaign) failed"
check_page "$dir/out/index.html"
grep -q 'href="run-1.html"' "$dir/out/index.html.dom" || fail "the campaign page does not link the failing run"
chrome --window-size=1400,1400 --screenshot="$shots/report_campaign.png" "file://$dir/out/index.html" >/dev/null

# A large run: run 1's trace and history repeated (times shifted) to 100k
# trace events, stored as run 2.
sqlite3 "$dir/t.db" <<'SQL' || fail "could not synthesize the large run"
INSERT INTO runs(campaign, scenario, scenario_file, scenario_text, scenario_hash, seed, swarm, params, build_id, variant,
                 verdict, invariant, detail, trace_hash, sim_ns, wall_ms, events, operations, parent_run, shrink_note)
  SELECT campaign, scenario, scenario_file, scenario_text, scenario_hash, seed, swarm, params, build_id, variant,
         verdict, invariant, detail, trace_hash, sim_ns, wall_ms, events, operations, NULL, 'synthesized: 100k events'
  FROM runs WHERE id = 1;
WITH RECURSIVE copy(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM copy WHERE k < 200),
     span(n, ns) AS (SELECT count(*), (SELECT sim_ns + 1000000000 FROM runs WHERE id = 1) FROM events WHERE run_id = 1)
INSERT INTO events SELECT 2, k * n + idx, time_ns + k * ns, process, kind, detail
  FROM events, copy, span WHERE run_id = 1 AND k * n + idx < 100000;
WITH RECURSIVE copy(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM copy WHERE k < 99),
     span(n, ns, reps) AS (SELECT count(*), (SELECT sim_ns + 1000000000 FROM runs WHERE id = 1),
                                  (SELECT 100000 / count(*) + 1 FROM events WHERE run_id = 1) FROM ops WHERE run_id = 1)
INSERT INTO ops SELECT 2, k * n + idx, process, type, f, key, value, time_ns + k * ns
  FROM ops, copy, span WHERE run_id = 1 AND k < reps;
UPDATE runs SET events = (SELECT count(*) FROM events WHERE run_id = 2),
                sim_ns = (SELECT max(time_ns) FROM events WHERE run_id = 2) WHERE id = 2;
SQL
[ "$(sqlite3 "$dir/t.db" 'select count(*) from events where run_id = 2')" = 100000 ] || fail "the large run is not 100k events"
"$slotsim" report "$dir/t.db" --run 2 -o "$dir/out" >/dev/null || fail "slotsim report on the large run failed"
check_page "$dir/out/run-2.html"
ms=$(attribute data-render-ms "$dir/out/run-2.html.dom")
echo "report_browser_test: 100k-event run ($(du -h "$dir/out/run-2.html" | cut -f1)) rendered in ${ms} ms"
[ -n "$ms" ] && [ "$ms" -lt 3000 ] || fail "the 100k-event run took ${ms} ms to render (limit 3000)"
echo "report_browser_test: screenshots: $shots/report_run.png $shots/report_campaign.png"

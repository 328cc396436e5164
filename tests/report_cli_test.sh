#!/usr/bin/env bash
# slotsim report end to end without a browser: both report kinds from a real
# campaign database (every run page the campaign page links exists), and
# clear errors, exit code 2 and no files created, for bad input.
#   report_cli_test.sh SLOTSIM SCENARIOS_DIR
set -u
slotsim=$1
scenarios=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "report_cli_test: $*"; exit 1; }

"$slotsim" fuzz "$scenarios/baseline.toml" "$scenarios/asking_race_none.toml" --seeds 1..2 --jobs 2 --db "$dir/t.db" \
  >"$dir/fuzz.out" 2>&1 || { cat "$dir/fuzz.out"; fail "the campaign failed"; }
"$slotsim" report "$dir/t.db" -o "$dir/out" >"$dir/out.txt" || fail "the campaign report failed"
grep -q "^campaign report: $dir/out/index.html$" "$dir/out.txt" || { cat "$dir/out.txt"; fail "no path printed"; }
failing=$(sqlite3 "$dir/t.db" "select count(*) from runs where verdict != 'pass'")
[ "$failing" -gt 0 ] || fail "asking_race_none should fail on seeds 1..2"
links=$(grep -o 'href="run-[0-9]*\.html"' "$dir/out/index.html" | sort -u | wc -l)
[ "$links" = "$failing" ] || fail "$links run pages linked, $failing failing runs"
for page in $(grep -o 'href="run-[0-9]*\.html"' "$dir/out/index.html" | sed 's/href="//; s/"$//' | sort -u); do
  [ -s "$dir/out/$page" ] || fail "$page is linked but missing"
  grep -q 'href="index.html"' "$dir/out/$page" || fail "$page does not link back to the campaign"
done
grep -q 'data-mark="failover_while_migrating"' "$dir/out/index.html" || fail "danger marks are not listed"
grep -q 'asking_race_none' "$dir/out/index.html" || fail "the scenario is missing from the campaign page"

# A passing run (no trace kept) still gets a page that says why it is empty.
pass_id=$(sqlite3 "$dir/t.db" "select min(id) from runs where verdict = 'pass'")
"$slotsim" report "$dir/t.db" --run "$pass_id" -o "$dir/out" >/dev/null || fail "report of a passing run failed"
grep -q "kept no trace" "$dir/out/run-$pass_id.html" || fail "a passing run's page does not say its trace was not kept"

expect_error() {  # expect_error TEXT ARGS...: exit code 2 and TEXT on stderr
  local text=$1; shift
  "$slotsim" report "$@" >"$dir/o" 2>"$dir/e"
  local code=$?
  [ $code -eq 2 ] || fail "'report $*' exited $code, expected 2"
  grep -q "$text" "$dir/e" || { cat "$dir/e"; fail "'report $*' should say '$text'"; }
}
expect_error "no such trace database" "$dir/missing.db" -o "$dir/x"
[ ! -e "$dir/missing.db" ] || fail "a missing database was created"
[ ! -e "$dir/x" ] || fail "the output directory was created for a missing database"
expect_error "has no run 999" "$dir/t.db" --run 999 -o "$dir/out"
expect_error "give an output directory" "$dir/t.db"
expect_error "give a trace database" -o "$dir/out"
echo "just text" >"$dir/text.db"
expect_error "not a SQLite database" "$dir/text.db" -o "$dir/out"
sqlite3 "$dir/other.db" "create table notes(text)"
expect_error "not a slotsim trace database" "$dir/other.db" -o "$dir/out"
echo "report_cli_test: ok"

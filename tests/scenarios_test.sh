#!/usr/bin/env bash
# Every shipped scenario is what it declares over seeds 1-2 (pass scenarios
# pass on both; fail scenarios are caught), as a two-worker campaign; and a
# run is the same run twice (same trace hash).
set -u
slotsim=$1
scenarios=$2
failed=0
if ! out=$("$slotsim" fuzz "$scenarios"/*.toml --seeds 1..2 --jobs 2 2>/dev/null); then
  printf '%s\n' "$out"
  echo "scenarios_test: some scenario is not what it declares"
  failed=1
fi
a=$("$slotsim" run "$scenarios/primary_crash.toml" --seed 7 | grep -o 'trace hash [0-9a-f]*')
b=$("$slotsim" run "$scenarios/primary_crash.toml" --seed 7 | grep -o 'trace hash [0-9a-f]*')
if [ -z "$a" ] || [ "$a" != "$b" ]; then
  echo "scenarios_test: primary_crash seed 7 differs between runs: '$a' vs '$b'"
  failed=1
fi
[ $failed -eq 0 ] && echo "scenarios_test: every scenario as declared on seeds 1-2; runs repeat exactly"
exit $failed

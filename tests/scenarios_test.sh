#!/usr/bin/env bash
# Every shipped scenario reaches the verdict it declares, on a few seeds; and
# a run is the same run twice (same trace hash).
set -u
slotsim=$1
scenarios=$2
failed=0
for file in "$scenarios"/*.toml; do
  for seed in 1 2; do
    out=$("$slotsim" run "$file" --seed "$seed")
    code=$?
    line=$(printf '%s\n' "$out" | head -1)
    if ! printf '%s' "$line" | grep -q '(as expected,'; then
      echo "scenarios_test: $file seed $seed: $line (exit $code)"
      failed=1
    elif [ $code -ne 0 ] && [ $code -ne 1 ] && [ $code -ne 3 ]; then
      echo "scenarios_test: $file seed $seed: unexpected exit code $code"
      failed=1
    fi
  done
done
a=$("$slotsim" run "$scenarios/primary_crash.toml" --seed 7 | grep -o 'trace hash [0-9a-f]*')
b=$("$slotsim" run "$scenarios/primary_crash.toml" --seed 7 | grep -o 'trace hash [0-9a-f]*')
if [ -z "$a" ] || [ "$a" != "$b" ]; then
  echo "scenarios_test: primary_crash seed 7 differs between runs: '$a' vs '$b'"
  failed=1
fi
[ $failed -eq 0 ] && echo "scenarios_test: every scenario as expected on seeds 1-2; runs repeat exactly"
exit $failed

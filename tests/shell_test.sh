#!/usr/bin/env bash
# Runs every tests/shell/*.txt script through `slotsim shell` and compares the
# output with the .expected file beside it. Usage: shell_test.sh SLOTSIM_BINARY
set -u
slotsim=$1
here=$(cd "$(dirname "$0")" && pwd)
failed=0
count=0
for script in "$here"/shell/*.txt; do
  count=$((count + 1))
  expected="${script%.txt}.expected"
  actual=$("$slotsim" shell < "$script" 2>&1)
  if ! diff -u "$expected" <(printf '%s\n' "$actual"); then
    echo "shell_test: $(basename "$script") differs from its .expected"
    failed=$((failed + 1))
  fi
done
echo "shell_test: $count script(s), $failed failed"
[ "$count" -gt 0 ] && [ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Proves tidy.sh can fail: every bad_* fixture must be flagged, every good_*
# fixture must pass.
set -u
here=$(cd "$(dirname "$0")" && pwd)
failures=0
checked=0
for f in "$here"/tidy_fixtures/bad_*.cpp; do
  checked=$((checked + 1))
  if bash "$here/tidy.sh" "$f" >/dev/null; then
    echo "tidy_self_test: $f should have been flagged"; failures=$((failures + 1))
  fi
done
for f in "$here"/tidy_fixtures/good_*.cpp; do
  checked=$((checked + 1))
  if ! out=$(bash "$here/tidy.sh" "$f"); then
    echo "tidy_self_test: $f should pass:"; echo "$out"; failures=$((failures + 1))
  fi
done
[ "$checked" -ge 10 ] || { echo "tidy_self_test: only $checked fixtures found"; exit 1; }
echo "tidy_self_test: $checked fixtures, $failures wrong"
[ "$failures" -eq 0 ]

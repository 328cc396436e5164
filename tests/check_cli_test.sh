#!/usr/bin/env bash
# Runs `slotsim check` on the histories in tests/histories/ and compares exit
# codes, the one verdict line on stdout, and error messages on stderr.
# Usage: check_cli_test.sh SLOTSIM_BINARY
set -u
slotsim=$1
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/histories" || exit 1
failed=0
count=0

# expect EXIT_CODE STDOUT_PATTERN STDERR_PATTERN -- ARGS...
# Patterns are bash globs (brackets escaped); stdout must be exactly one line
# for a verdict (exit 0, 1 or 3), and empty on exit 2.
expect() {
  local want_code=$1 out_pattern=$2 err_pattern=$3
  shift 4
  count=$((count + 1))
  local out err code
  out=$("$slotsim" check "$@" 2>/tmp/check_cli_err.$$)
  code=$?
  err=$(cat /tmp/check_cli_err.$$)
  rm -f /tmp/check_cli_err.$$
  local problem=""
  [ "$code" -eq "$want_code" ] || problem="exit code $code, expected $want_code"
  # shellcheck disable=SC2053
  [[ $out == $out_pattern ]] || problem="$problem; stdout does not match '$out_pattern'"
  [[ $err == $err_pattern ]] || problem="$problem; stderr does not match '$err_pattern'"
  if [[ $out == valid* || $out == invalid* || $out == unknown* ]] && [ "$(printf '%s\n' "$out" | wc -l)" -ne 1 ]; then
    problem="$problem; the verdict is not one line"
  fi
  if [ "$want_code" -ne 2 ] && [[ $out != valid* && $out != invalid* && $out != unknown* && $out != usage* ]]; then
    problem="$problem; no verdict line"
  fi
  if [ -n "$problem" ]; then
    echo "check_cli_test: slotsim check $*: ${problem#; }"
    echo "  stdout: $out"
    echo "  stderr: $err"
    failed=$((failed + 1))
  fi
}

R="--model register"
L="--model list-append"

# Register histories.
expect 0 'valid' '' -- $R register_sequential.jsonl
expect 0 'valid' '' -- $R register_concurrent.jsonl
expect 0 'valid' '' -- $R register_info_write.jsonl
expect 1 'invalid: key x: not linearizable: p1 read 1 (lines 5-6) cannot take effect*p0 write 2 (lines 3-4)*' '' \
  -- $R register_stale_read.jsonl
expect 1 'invalid: key counter: not linearizable: p2 cas \[0,2\] (lines 4-6)*p1 cas \[0,1\] (lines 3-5)*' '' \
  -- $R register_lost_update_cas.jsonl
expect 1 'invalid: key x: p1 read 2 (lines 5-6) returned 2, which only p0 write 2 (lines 3-4, fail) tried to write*' '' \
  -- $R register_failed_write_read.jsonl
expect 1 'invalid: key x: p1 read "5" (lines 3-4) returned "5", which no operation wrote' '' \
  -- $R register_never_written.jsonl
expect 1 'invalid: key hot: not linearizable: p24 read null (lines 49-50)*' '' -- $R register_hard.jsonl
expect 3 'unknown: step budget exhausted on key hot*' '' -- $R --budget 100 register_hard.jsonl
expect 1 'invalid: key x: *' '' -- $R - <register_stale_read.jsonl

# List-append histories.
expect 0 'valid' '' -- $L list_append_valid.jsonl
expect 0 'valid' '' -- $L list_append_info.jsonl
expect 1 'invalid: key l: lost write: p0 append 1 (lines 1-2) was acknowledged before p1 read \[2\] (lines 5-6)*' '' \
  -- $L list_append_lost.jsonl
expect 1 'invalid: key l: duplicate: p1 read \[1,1\] (lines 3-4) contains 1 twice*' '' -- $L list_append_duplicate.jsonl
expect 1 'invalid: key l: reorder: p0 append "a" (lines 1-2) was acknowledged before p0 append "b" (lines 3-4)*' '' \
  -- $L list_append_reorder.jsonl
expect 1 'invalid: key l: phantom: p1 read \[1,2\] (lines 5-6) contains 2, which only p0 append 2 (lines 3-4, fail)*' '' \
  -- $L list_append_phantom.jsonl

# Bad input: file:line, exit 2, nothing on stdout.
expect 2 '' 'slotsim check: bad_json.jsonl:2:79: bad JSON: *' -- $R bad_json.jsonl
expect 2 '' 'slotsim check: bad_missing_field.jsonl:3: missing field "key"' -- $R bad_missing_field.jsonl
expect 2 '' 'slotsim check: bad_unknown_type.jsonl:2:24: unknown type "done"*' -- $R bad_unknown_type.jsonl
expect 2 '' 'slotsim check: bad_unpaired.jsonl:3: *without a pending invoke' -- $R bad_unpaired.jsonl
expect 2 '' 'slotsim check: list_append_valid.jsonl:1: f "append" is not a register operation*' \
  -- $R list_append_valid.jsonl
expect 2 '' 'slotsim check: register_sequential.jsonl:3: f "write" is not a list-append operation*' -- $L register_sequential.jsonl
expect 2 '' 'slotsim check: cannot open no_such_file.jsonl*' -- $R no_such_file.jsonl

# Usage.
expect 2 '' '*required*' --
expect 2 '' "slotsim check: --model must be register or list-append, got 'kv'" -- --model kv register_sequential.jsonl
expect 2 '' "slotsim check: --budget must be a positive integer, got '0'" -- $R --budget 0 register_hard.jsonl
expect 2 '' "slotsim check: --budget must be a positive integer, got '-5'" -- $R --budget -5 register_hard.jsonl
expect 2 '' '*too many positional options*' -- $R register_sequential.jsonl register_hard.jsonl
expect 0 'usage: slotsim check --model register|list-append*--budget*' '' -- --help

echo "check_cli_test: $count case(s), $failed failed"
[ "$failed" -eq 0 ]

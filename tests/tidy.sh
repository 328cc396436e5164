#!/usr/bin/env bash
# The seam, enforced: node and checker code must reach the world only through
# Env (time, randomness, network, disk), and must not iterate in an order that
# differs between runs. Usage: tidy.sh DIR_OR_FILE...  Exit 1 on any violation.
set -u
rules=(
  'wall clock|system_clock|steady_clock|high_resolution_clock|gettimeofday|clock_gettime|time\((nullptr|NULL|0)\)'
  'rand()|(^|[^_[:alnum:]])s?rand\(|random_device|mt19937|default_random_engine'
  'threads|std::j?thread|pthread_|std::async'
  'sleeping|sleep_for|this_thread|usleep\(|nanosleep\('
  'sockets|<sys/socket\.h>|<netinet/|<arpa/inet\.h>|<sys/epoll\.h>|<netdb\.h>'
  'environment|getenv\('
  'filesystem|<fstream>|std::filesystem|fopen\('
  'pointer-keyed container|(map|set|multimap|multiset)<[^,>]*\*[[:space:]]*[,>]'
)
files=()
for target in "$@"; do
  if [ -d "$target" ]; then
    while IFS= read -r f; do files+=("$f"); done < <(find "$target" -type f \( -name '*.h' -o -name '*.cpp' \) | sort)
  elif [ -f "$target" ]; then
    files+=("$target")
  fi
done
violations=0
report() { echo "tidy: $1: $2"; violations=$((violations + 1)); }
for f in "${files[@]}"; do
  # Comments may name what they forbid.
  code=$(sed -E 's://.*$::' "$f")
  for rule in "${rules[@]}"; do
    name=${rule%%|*}
    pattern=${rule#*|}
    while IFS= read -r hit; do
      [ -n "$hit" ] && report "$f:${hit%%:*}" "$name: ${hit#*:}"
    done < <(grep -nE -- "$pattern" <<<"$code")
  done
  # Unordered containers iterate in an order that can change between builds:
  # allowed only for lookups, and the declaration must say so.
  while IFS= read -r hit; do
    [ -n "$hit" ] && report "$f:${hit%%:*}" "unordered container without a 'tidy: lookup-only' note: ${hit#*:}"
  done < <(grep -nE 'unordered_(map|set|multimap|multiset)' "$f" | grep -v 'tidy: lookup-only' | grep -vE '^[0-9]+:[[:space:]]*//')
done
if [ "$violations" -gt 0 ]; then
  echo "tidy: $violations violation(s) in ${#files[@]} file(s): node and checker code must use Env (see ARCHITECTURE)"
  exit 1
fi
echo "tidy: ${#files[@]} file(s) clean"

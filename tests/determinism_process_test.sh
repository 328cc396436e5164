#!/usr/bin/env bash
# Determinism across processes: two separate runs of the same seed (different
# address-space layouts) must print the same trace hash.
set -u
slotsim=$1
for seed in 3 17 101; do
  a=$("$slotsim" demo --seed "$seed" --duration 30s | grep 'trace hash')
  b=$("$slotsim" demo --seed "$seed" --duration 30s | grep 'trace hash')
  if [ -z "$a" ] || [ "$a" != "$b" ]; then
    echo "determinism_process_test: seed $seed differs between processes: '$a' vs '$b'"
    exit 1
  fi
  echo "seed $seed: $a"
done
echo "determinism_process_test: 3 seeds, same hash in separate processes"

#!/usr/bin/env bash
# Does FT write words? Trains the built-in tiny model from scratch on a table of texts the way configs/upworthy.json's
# FT stage does (200 steps: 9 epochs of batch 16 on its 380 texts, lr 3e-3, seed 1, 20% of the tests held out), once per
# tokenizer, samples 200 texts from each (the pipeline's sampler seed 10001, at most 127 new tokens) and prints the
# share of generated words that occur in the training texts (`causalpo word-coverage`).
#   bash bench/word-coverage.sh TRAIN_CSV [WORK_DIR] [TOKENIZERS...]
# TRAIN_CSV: e.g. runs/upworthy/data/train.csv from `causalpo pipeline --config configs/upworthy.json`.
# TOKENIZERS: "bytes" or "learned:N" (N = --vocab-size); default: bytes learned:1024 learned:2048 learned:4096.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
train="${1:?give the training table (e.g. runs/upworthy/data/train.csv)}"
work="${2:-runs/word-coverage}"
shift $(( $# >= 2 ? 2 : 1 ))
kinds=("$@"); [ ${#kinds[@]} -gt 0 ] || kinds=(bytes learned:1024 learned:2048 learned:4096)
c="$root/causalpo"
mkdir -p "$work"
for k in "${kinds[@]}"; do
  name="${k/:/-}"
  if [ "$k" = bytes ]; then tok=(--tokenizer bytes); else tok=(--tokenizer learned --vocab-size "${k#learned:}"); fi
  start=$(date +%s)
  "$c" sft --data "$train" --text-column headline --group-column test_id --base tiny "${tok[@]}" \
      --epochs 9 --batch-size 16 --lr 0.003 --seed 1 --out "$work/$name" 2>&1 | grep -E '^(tokenizer|validation loss)' >&2
  "$c" generate --model "$work/$name" --n 200 --seed 10001 --max-new-tokens 127 --out "$work/$name/samples.csv" 2>/dev/null
  printf '%-14s FT+generate %4ss  %s\n' "$name" "$(( $(date +%s) - start ))" \
      "$("$c" word-coverage --samples "$work/$name/samples.csv" --data "$train" --text-column headline --out "$work/$name/coverage.json")"
done

#!/usr/bin/env bash
# Within-experiment weighting on the built-in world, verb by verb: `simulate --experiments` writes A/B tests (400 tests
# of 4 texts drawn from P^R, 30 readers per arm; one row per arm with its readers' mean rating), `sft` trains FT on their
# texts (the default: a tokenizer learned from them), `train --group-column experiment` trains CPO and DR-CPO with the
# weights normalized within each test (the default for grouped data), and `simulate --score` gives every model's TRUE
# value (the realistic reader) on 600 samples.
#   bash bench/ab-world.sh [WORK_DIR]            (default runs/ab-world; resumes where it stopped)
# Exits non-zero if CPO or DR-CPO does not beat FT in true value with non-overlapping 95% CIs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-runs/ab-world}"
mkdir -p "$work"
c="$root/causalpo"
[ -f "$work/tests.csv" ] || "$c" simulate --experiments 400 --arms 4 --readers 30 --seed 11 --out "$work/tests.csv"
"$c" sft --data "$work/tests.csv" --text-column text --base tiny --out "$work/ft"
for obj in cpo dr-cpo; do
  "$c" train --data "$work/tests.csv" --text-column text --outcome-column outcome --higher-is-better --group-column experiment \
    --log-propensity-column log_propensity --model "$work/ft" --objective "$obj" --out "$work/$obj"
done
models=(ft cpo dr-cpo)
for m in "${models[@]}"; do
  [ -f "$work/$m/samples-600.csv" ] || "$c" generate --model "$work/$m" --n 600 --seed 5 --out "$work/$m/samples-600.csv"
done
echo
echo "True value of each model (600 samples; the realistic reader gives a text outside the grammar the lowest rating):"
: > "$work/true_values.txt"
for m in "${models[@]}"; do
  line="$("$c" simulate --score "$work/$m/samples-600.csv" | grep '^true mean outcome')"
  printf '%-8s %s\n' "$m" "$line" | tee -a "$work/true_values.txt"
done
echo "What each train run certifies, and its median step ESS fraction (run.json):"
for obj in cpo dr-cpo; do
  printf '%-8s %s\n' "$obj" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["Certified"], "| weighting", d["Weighting"], "| median step ESS %.0f%%" % (100*d["MedianStepEssFraction"]))' "$work/$obj/run.json")"
done
python3 "$root/bench/true-value-gate.py" "$work/true_values.txt" cpo dr-cpo

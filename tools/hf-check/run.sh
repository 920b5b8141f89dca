#!/usr/bin/env bash
# Writes model folders with causalpo (sft with the byte tokenizer and with a learned one, train, train --lora), scores
# texts with `causalpo score`, and reads the folders back as the Hugging Face stack does (check_folders.py): with
# transformers and peft where they are installed, else with the plain PyTorch reference and the Rust tokenizers library.
#   bash tools/hf-check/run.sh [WORK_DIR]        (from the repository root; a few minutes on 2 cores)
# Needs: a Python 3 with PyTorch (Debian: apt-get install python3-torch python3-numpy; set PYTHON=... to choose one),
# and, without transformers, Node with `npm install` run in tools/hf-fixtures.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="${1:-$(mktemp -d)}"
PYTHON="${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}"
C="$ROOT/causalpo"
mkdir -p "$WORK" && cd "$WORK"
if ! "$PYTHON" -c "import transformers" 2>/dev/null && [ ! -d "$ROOT/tools/hf-fixtures/node_modules/tokenizers" ]; then
  (cd "$ROOT/tools/hf-fixtures" && npm install --silent)
fi
echo "work folder: $WORK"
"$C" simulate --n 600 --seed 3 --out data.csv > /dev/null
head -41 data.csv > texts.csv
run() {  # the tool's own output goes to causalpo.log; a failure shows its end
  echo "+ causalpo $*"
  "$C" "$@" > /dev/null 2>> causalpo.log || { tail -5 causalpo.log; exit 1; }
}
run sft --data data.csv --text-column text --base tiny --tokenizer bytes --epochs 2 --out ft-bytes
run sft --data data.csv --text-column text --base tiny --tokenizer learned --vocab-size 600 --epochs 2 --out ft-learned
run train --data data.csv --text-column text --outcome-column outcome --higher-is-better --model ft-bytes --objective cpo --epochs 1 --out cpo
run train --data data.csv --text-column text --outcome-column outcome --higher-is-better --model ft-learned --objective cpo --lora --lr 1e-3 --epochs 1 --out cpo-lora
args=()
for m in ft-bytes ft-learned cpo cpo-lora; do
  run score --model "$m" --data texts.csv --text-column text --out "score-$m.csv"
  args+=("$m" "score-$m.csv")
done
"$PYTHON" "$ROOT/tools/hf-check/check_folders.py" "${args[@]}"

#!/usr/bin/env bash
# Runs ON the GPU machine (no .NET SDK needed), from the repository root:
#   bash bench/gpu/run.sh .build/gpu/causalpo-gpu.tar.xz OUTDIR
# The archive comes from bench/gpu/prepare.sh (run on a machine with the SDK). Steps, each with its own timeout and
# guarded so that one failure does not stop the rest:
#   env   python with torch (CUDA), versions, nvidia-smi
#   a     causalpo info must say "CUDA available: True"
#   b     CUDA correctness through the CLI on tiny simulated data: sft on cuda and on cpu, score the same texts with the
#         same model on cuda and on cpu (max |difference| < 1e-3), train --objective dr-cpo on cuda, generate on cuda
#   c     bench/perf in GPU mode, float32 and bfloat16, vs PyTorch on the same machine (tables + JSON)
#   d     OUTDIR/summary.md with every number and a PASS/FAIL line per check
# Output files (5): summary.md, steps.log (every step's output), perf.log (the perf bench's output), perf-float32.json
# and perf-bfloat16.json (ours, with PyTorch's result under "pytorch" and the ratios). The whole run is held to CAUSALPO_GPU_BUDGET_S seconds (default 400).
# CAUSALPO_TORCH_LIB overrides the torch/lib folder (for a dry run on a CPU machine with the NuGet cache's libtorch);
# CAUSALPO_GPU_CLI_DEVICE=cpu runs the b checks' "cuda" side on the CPU (dry run of the checks' logic only).
# Exit code: 0 when every check passed, 1 otherwise.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
archive="${1:?usage: bash bench/gpu/run.sh ARCHIVE OUTDIR}"
out="${2:?usage: bash bench/gpu/run.sh ARCHIVE OUTDIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
budget="${CAUSALPO_GPU_BUDGET_S:-400}"
t_start=$(date +%s)
work="$(mktemp -d "${TMPDIR:-/tmp}/causalpo-gpu.XXXXXX")"
summary="$out/summary.md"; steps="$out/steps.log"; perflog="$out/perf.log"
: >"$steps"; : >"$perflog"
fails=0; passes=0
results=()

elapsed() { echo $(( $(date +%s) - t_start )); }
note() { echo "$*" | tee -a "$steps" >&2; }
record() { # record PASS|FAIL|INFO|SKIP "text"
  results+=("$1: $2"); echo "$1: $2" | tee -a "$steps" >&2
  case "$1" in PASS) passes=$((passes + 1)) ;; FAIL) fails=$((fails + 1)) ;; esac
}
# run NAME LIMIT_S CMD...: runs CMD with stdout+stderr appended to steps.log, within the step's and the run's budget.
run() {
  local name="$1" limit="$2"; shift 2
  local left=$(( budget - $(elapsed) - 10 ))
  if [ "$left" -lt 10 ]; then echo "=== $name: SKIPPED (run budget of ${budget}s spent)" >>"$steps"; return 124; fi
  [ "$limit" -gt "$left" ] && limit="$left"
  echo "=== $name (timeout ${limit}s, at $(elapsed)s): $*" >>"$steps"
  local t0=$(date +%s)
  timeout -k 5 "$limit" "$@" >>"$steps" 2>&1
  local rc=$?
  echo "=== $name: exit $rc after $(( $(date +%s) - t0 ))s" >>"$steps"
  [ "$rc" = 124 ] || [ "$rc" = 137 ] && echo "=== $name: TIMED OUT" >>"$steps"
  return "$rc"
}
# check NAME LIMIT_S CMD...: run, and record PASS/FAIL by exit code.
check() { local name="$1"; if run "$@"; then record PASS "$name"; else record FAIL "$name (exit $?, see steps.log)"; fi; }

# ---------------------------------------------------------------- environment
note "causalpo GPU run: $(date -u +%Y-%m-%dT%H:%M:%SZ), host $(uname -n), $(nproc) cores, budget ${budget}s"
py=""
for cand in python3 python /usr/bin/python3 /opt/conda/bin/python /opt/torch/.venv/bin/python3; do
  command -v "$cand" >/dev/null 2>&1 || [ -x "$cand" ] || continue
  if "$cand" -c 'import torch' >/dev/null 2>&1; then
    [ -z "$py" ] && py="$cand"
    if "$cand" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' >/dev/null 2>&1; then py="$cand"; break; fi
  fi
done
if [ -z "$py" ]; then
  record FAIL "no python with torch found (tried python3, python, /usr/bin/python3, /opt/conda/bin/python, /opt/torch/.venv/bin/python3)"
else
  pyinfo="$("$py" - <<'PY' 2>&1
import torch, platform
print(f"python {platform.python_version()} ({__import__('sys').executable}); torch {torch.__version__}; CUDA runtime {torch.version.cuda}; "
      f"cuda available {torch.cuda.is_available()}" + (f"; device {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ""))
for name in ("transformers", "peft"):
    try:
        print(f"{name} {__import__(name).__version__}")
    except Exception as e:
        print(f"{name} missing ({type(e).__name__})")
PY
)"
  note "$pyinfo"
  record INFO "$(echo "$pyinfo" | tr '\n' ';' | sed 's/;$//')"
fi
smi="$(command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | head -1)"
record INFO "nvidia-smi: ${smi:-none}"
torchlib="${CAUSALPO_TORCH_LIB:-}"
if [ -z "$torchlib" ] && [ -n "$py" ]; then
  torchlib="$("$py" -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>/dev/null)"
fi
if [ -z "$torchlib" ] || [ ! -f "$torchlib/libtorch.so" ]; then
  record FAIL "no torch/lib folder with libtorch.so (got '${torchlib}'); set CAUSALPO_TORCH_LIB"
fi
export LD_LIBRARY_PATH="${torchlib}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
record INFO "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"

# ---------------------------------------------------------------- unpack
app="$work/causalpo-gpu"
if run "unpack $archive" 60 tar -C "$work" -xJf "$archive" && [ -x "$app/causalpo" ]; then
  record PASS "unpacked $(du -sm "$app" | cut -f1) MiB from $archive"
else
  record FAIL "could not unpack $archive into $work"
fi
cpo="$app/causalpo"

# ---------------------------------------------------------------- a. info
run "a. causalpo info" 60 "$cpo" info
if sed -n '/=== a. causalpo info/,/=== a. causalpo info: exit/p' "$steps" | grep -q "CUDA available: True"; then
  record PASS "a. causalpo info: CUDA available: True"
else
  record FAIL "a. causalpo info does not say 'CUDA available: True' (see steps.log)"
fi

# ---------------------------------------------------------------- b. CLI correctness on CUDA
d="$work/cli"; mkdir -p "$d"
gdev="${CAUSALPO_GPU_CLI_DEVICE:-cuda}"  # "cpu" only for a dry run of these checks on a machine without CUDA
[ "$gdev" = cuda ] || record INFO "CAUSALPO_GPU_CLI_DEVICE=$gdev: the b checks run on $gdev, not cuda (dry run)"
check "b1. simulate 240 rows" 60 "$cpo" simulate --n 240 --seed 3 --out "$d/data.csv"
sft_args=(--data "$d/data.csv" --base tiny --epochs 2 --batch-size 8 --lr 2e-3 --seed 5 --force)
check "b2. sft tiny on cuda (2 epochs x 24 steps)" 120 "$cpo" sft "${sft_args[@]}" --out "$d/ft-cuda" --device "$gdev"
check "b3. sft tiny on cpu (same settings)" 150 "$cpo" sft "${sft_args[@]}" --out "$d/ft-cpu" --device cpu
model="$d/ft-cuda"
if [ ! -f "$model/training.json" ]; then
  model="$d/ft-cpu"; record INFO "no cuda-trained model: the checks below use the cpu-trained one ($model)"
fi
for side in cuda cpu; do
  dv="$side"; [ "$side" = cuda ] && dv="$gdev"
  check "b4. score with the $(basename "$model") model on $side" 60 "$cpo" score --data "$d/data.csv" --model "$model" --device "$dv" --out "$d/score-$side.csv"
done
if [ -n "$py" ] && [ -f "$d/score-cuda.csv" ] && [ -f "$d/score-cpu.csv" ]; then
  cmp_out="$("$py" - "$d/score-cuda.csv" "$d/score-cpu.csv" <<'PY' 2>&1
import csv, sys
a = [float(r["logprob"]) for r in csv.DictReader(open(sys.argv[1], newline=""))]
b = [float(r["logprob"]) for r in csv.DictReader(open(sys.argv[2], newline=""))]
assert len(a) == len(b) > 0, f"row counts differ: {len(a)} vs {len(b)}"
diff = max(abs(x - y) for x, y in zip(a, b))
print(f"{len(a)} rows, max |logprob cuda - logprob cpu| = {diff:.3g} (mean logprob {sum(a) / len(a):.3f})")
sys.exit(0 if diff < 1e-3 else 1)
PY
)"
  if [ $? = 0 ]; then record PASS "b5. score cuda vs cpu: $cmp_out"; else record FAIL "b5. score cuda vs cpu: $cmp_out"; fi
else
  record FAIL "b5. score cuda vs cpu: a score file is missing"
fi
for side in cuda cpu; do
  [ -f "$d/ft-$side/training.json" ] && [ -n "$py" ] && record INFO "b6. sft on $side: $("$py" -c '
import json, sys
t = json.load(open(sys.argv[1]))
print("%s steps; validation loss per epoch %s" % (t.get("steps"), ", ".join("%.5f" % e["validation_loss"] for e in t.get("epochs", []))))
' "$d/ft-$side/training.json" 2>&1)"
done
# X̃ sampled on the CPU (see the sampling check below), so that the dr-cpo step itself is what is tested on cuda
check "b7. generate 48 X-tilde samples on cpu (for dr-cpo)" 60 "$cpo" generate --model "$model" --n 48 --max-new-tokens 48 --device cpu --out "$d/unlabeled.csv"
check "b8. train --objective dr-cpo on cuda (1 epoch, batch 8)" 150 "$cpo" train --data "$d/data.csv" --outcome-column outcome --higher-is-better \
  --model "$model" --objective dr-cpo --unlabeled "$d/unlabeled.csv" --epochs 1 --batch-size 8 --lr 1e-4 --device "$gdev" --force --out "$d/drcpo-cuda"
check "b9. generate greedy on cuda" 60 "$cpo" generate --model "$model" --n 8 --greedy --max-new-tokens 48 --device "$gdev" --out "$d/greedy-cuda.csv"
run "b9'. generate greedy on cpu (reference)" 60 "$cpo" generate --model "$model" --n 8 --greedy --max-new-tokens 48 --device cpu --out "$d/greedy-cpu.csv"
if [ -n "$py" ] && [ -f "$d/greedy-cuda.csv" ] && [ -f "$d/greedy-cpu.csv" ]; then
  g_out="$("$py" - "$d/greedy-cuda.csv" "$d/greedy-cpu.csv" <<'PY' 2>&1
import csv, sys
a = list(csv.DictReader(open(sys.argv[1], newline="")))
b = list(csv.DictReader(open(sys.argv[2], newline="")))
same = sum(x["text"] == y["text"] for x, y in zip(a, b))
diff = max((abs(float(x["logprob"]) - float(y["logprob"])) for x, y in zip(a, b) if x["text"] == y["text"]), default=float("nan"))
print(f"{same}/{len(a)} greedy texts identical on cuda and cpu; max |logprob difference| over those {diff:.3g}")
sys.exit(0 if same == len(a) == len(b) and diff < 1e-3 else 1)
PY
)"
  if [ $? = 0 ]; then record PASS "b10. greedy generation cuda vs cpu: $g_out"; else record FAIL "b10. greedy generation cuda vs cpu: $g_out"; fi
fi
check "b11. generate with sampling on cuda (TorchSharp's torch.Generator is CPU-only: expected to fail until TextGenerator samples on the CPU)" 60 \
  "$cpo" generate --model "$model" --n 16 --max-new-tokens 200 --device "$gdev" --out "$d/sample-cuda.csv"
if [ -n "$py" ] && [ -f "$d/sample-cuda.csv" ]; then
  "$py" - "$d/sample-cuda.csv" >>"$steps" 2>&1 <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
print("sampled on cuda:", [(r["text"][:30], r["logprob"]) for r in rows[:3]])
PY
fi
# the sampled texts scored back on cuda must get the sampler's log-density (ancestral sampling, EOS included)
if [ -f "$d/sample-cuda.csv" ] && [ -n "$py" ]; then
  if run "b12. score the cuda samples on cuda" 60 "$cpo" score --data "$d/sample-cuda.csv" --model "$model" --device "$gdev" --out "$d/sample-scored.csv"; then
    s_out="$("$py" - "$d/sample-cuda.csv" "$d/sample-scored.csv" <<'PY' 2>&1
import csv, sys
g = [r for r in csv.DictReader(open(sys.argv[1], newline=""))]
s = [float(r["logprob"]) for r in csv.DictReader(open(sys.argv[2], newline=""))]
pairs = [(float(r["logprob"]), y) for r, y in zip(g, s) if r["complete"].lower() == "true" and r["canonical"].lower() == "true"]
diff = max((abs(a - b) for a, b in pairs), default=float("nan"))
print(f"{len(pairs)} complete canonical samples: max |sampler logprob - score logprob| = {diff:.3g}")
sys.exit(0 if pairs and diff < 1e-3 else 1)
PY
)"
    if [ $? = 0 ]; then record PASS "b12. $s_out"; else record FAIL "b12. $s_out"; fi
  fi
fi

# ---------------------------------------------------------------- c. perf bench, GPU mode
threads="$(nproc)"
chk="$work/perf-check"
for dtype in float32 bfloat16; do
  ref="$work/pytorch-$dtype.json"
  exp=(); [ "$dtype" = float32 ] && exp=(--export "$chk")
  echo "=== c. PyTorch reference, cuda, $dtype" >>"$perflog"
  if [ -n "$py" ] && run "c. pytorch_reference.py --device cuda --dtype $dtype" 150 env PYTHONUNBUFFERED=1 "$py" bench/perf/pytorch_reference.py \
       --threads "$threads" --device cuda --dtype "$dtype" --plan bench/perf/plan.json --out "$ref" "${exp[@]}"; then
    record PASS "c. PyTorch reference ($dtype) ran"
  else
    record FAIL "c. PyTorch reference ($dtype) failed (see steps.log)"
  fi
  sed -n "/=== c. pytorch_reference.py --device cuda --dtype $dtype/,/=== c. pytorch_reference.py --device cuda --dtype $dtype: exit/p" "$steps" >>"$perflog"
  args=(--plan bench/perf/plan.json --device cuda --dtype "$dtype" --threads "$threads" --out "$out/perf-$dtype.json")
  [ -f "$ref" ] && args+=(--reference "$ref")
  [ -f "$chk/check.json" ] && args+=(--check-dir "$chk")
  echo "=== c. ours, cuda, $dtype" >>"$perflog"
  if run "c. CausalPreference.Perf --device cuda --dtype $dtype" 150 "$app/CausalPreference.Perf" "${args[@]}"; then
    record PASS "c. our perf bench ($dtype) ran every workload"
  else
    record FAIL "c. our perf bench ($dtype): exit non-zero (a failed workload, a cross-check mismatch, or no CUDA; see perf.log)"
  fi
  sed -n "/=== c. CausalPreference.Perf --device cuda --dtype $dtype (/,/=== c. CausalPreference.Perf --device cuda --dtype $dtype: exit/p" "$steps" >>"$perflog"
  while IFS= read -r line; do record FAIL "c. $dtype workload: $(echo "$line" | sed 's/^ *//' | head -c 300)"; done \
    < <(sed -n "/=== c. .* --dtype $dtype/,/=== c. .* --dtype $dtype: exit/p" "$steps" | grep 'FAILED:')
done

# ---------------------------------------------------------------- d. summary
{
  echo "# causalpo on CUDA: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "Script: bench/gpu/run.sh; $(elapsed) s in all; $passes PASS, $fails FAIL."
  echo
  for r in "${results[@]}"; do echo "- $r"; done
  for dtype in float32 bfloat16; do
    echo
    echo "## Perf bench, cuda, $dtype (ratio = ours / PyTorch, above 1 = ours faster)"
    echo
    echo '```'
    sed -n "/=== c. CausalPreference.Perf --device cuda --dtype $dtype (/,/=== c. CausalPreference.Perf --device cuda --dtype $dtype: exit/p" "$steps" \
      | grep -v '^===' | sed -n '/^ours:/,$p'
    echo '```'
    echo
    echo "PyTorch side:"
    echo '```'
    sed -n "/=== c. pytorch_reference.py --device cuda --dtype $dtype/,/=== c. pytorch_reference.py --device cuda --dtype $dtype: exit/p" "$steps" | grep -v '^===' | tail -20
    echo '```'
  done
} >"$summary"
rm -rf "$work"
echo "summary: $summary ($passes PASS, $fails FAIL, $(elapsed) s)" >&2
cat "$summary"
[ "$fails" = 0 ]

#!/usr/bin/env bash
# Crash-safety check of the causalpo CLI (see docs/reliability.md).
#   1. sft is killed with SIGKILL mid-training, after its first saved state (OUT/.state/state.json) and a few steps
#      past it; the same command is run again and must (a) resume (training.json "resumed": true) and (b) end with
#      the weights of an uninterrupted run with the same seed (score outputs of both models equal to 1e-6).
#   2. score and generate are killed with SIGKILL while running, with and without a previous complete output at the
#      --out path: the path must never hold a partial file, and a rerun must write the complete, correct output.
# Usage: bench/kill-resume.sh [WORK_DIR]     (default: a new temporary folder; BASE=tiny for the larger built-in model)
# Exit status: 0 when every check passes, 1 otherwise. Needs bash, coreutils, awk and the .NET 10 SDK.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cli="$root/causalpo"
work="${1:-$(mktemp -d "${TMPDIR:-/tmp}/causalpo-kill-resume-XXXXXX")}"
base="${BASE:-micro}"
mkdir -p "$work"
failures=0

pass() { echo "PASS  $*"; }
fail() { echo "FAIL  $*"; failures=$((failures + 1)); }
check() { local what="$1"; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
# wait_for SECONDS COMMAND...: polls COMMAND every 0.05 s until it succeeds; returns 1 on timeout.
wait_for() { local end=$((SECONDS + $1)); shift; until "$@"; do [ $SECONDS -ge $end ] && return 1; sleep 0.05; done; }
alive() { kill -0 "$1" 2>/dev/null; }
lines() { [ -f "$1" ] && wc -l <"$1" | tr -d ' ' || echo 0; }
# Kills PID with SIGKILL and reaps it; succeeds only if the process was still running (the kill landed mid-run).
kill9() { local pid=$1 was=1; alive "$pid" && was=0; kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; return $was; }
# The logprob column of a score output (the 3rd field from the end: texts may hold commas but never newlines here).
logprobs() { awk -F, 'NR > 1 { print $(NF - 2) }' "$1"; }
same_to_1e6() { paste -d' ' <(logprobs "$1") <(logprobs "$2") | awk '
  { n++; d = $1 - $2; if (d < 0) d = -d; if (d > max) max = d }
  END { printf "      %d texts, largest |difference| %.3g\n", n, max; exit !(n > 0 && max <= 1e-6) }'; }
state_step() { grep -o '"Step":[0-9]*' "$1" | head -1 | cut -d: -f2; }
# A complete score/generate output has a header plus one line per row (no text here holds a newline).
complete() { [ -f "$1" ] && [ "$(lines "$1")" -eq $(($2 + 1)) ]; }

echo "work folder: $work (model: $base)"
"$cli" info >/dev/null || { echo "FAIL  the CLI does not build or start"; exit 1; }
"$cli" simulate --n 600 --seed 1 --out "$work/data.csv" >/dev/null || { echo "FAIL  simulate"; exit 1; }

# ---------------------------------------------------------------------------------------------------- 1. sft
sft=(sft --data "$work/data.csv" --base "$base" --epochs 3 --batch-size 16 --seed 5)
echo "== sft, uninterrupted (reference)"
"$cli" "${sft[@]}" --out "$work/sft-ref" >"$work/sft-ref.out" 2>"$work/sft-ref.err" || fail "uninterrupted sft run"
echo "== sft, killed with SIGKILL after its first saved state"
"$cli" "${sft[@]}" --out "$work/sft-run" >"$work/sft-run1.out" 2>"$work/sft-run1.err" &
pid=$!
state="$work/sft-run/.state/state.json"
if wait_for 900 test -f "$state"; then
  saved=$(state_step "$state")
  # let it run a few steps past the saved state, so that the resumed run has to redo them
  wait_for 900 bash -c "[ \$(wc -l < '$work/sft-run/train_log.jsonl') -ge $((saved + 5)) ] || ! kill -0 $pid 2>/dev/null"
  logged=$(lines "$work/sft-run/train_log.jsonl")
  if kill9 "$pid"; then
    pass "sft killed mid-training: state saved at step $saved, $logged steps logged when killed"
  else
    fail "sft finished before it could be killed (use more --epochs)"
  fi
else
  kill9 "$pid"; fail "no training state appeared"
fi
echo "      after the kill, $work/sft-run holds: $(cd "$work/sft-run" && find . -mindepth 1 | sort | sed 's|^\./||' | tr '\n' ' ')"
check "no final model in --out after the kill (only .state/)" test ! -f "$work/sft-run/model.safetensors"
echo "== sft, same command again"
"$cli" "${sft[@]}" --out "$work/sft-run" >"$work/sft-run2.out" 2>"$work/sft-run2.err" || fail "resumed sft run exited non-zero"
grep -h '"resumed"' "$work/sft-run/training.json" | sed 's/^ */      training.json: /'
check "(a) the rerun resumed (training.json \"resumed\": true)" grep -q '"resumed": true' "$work/sft-run/training.json"
check "the train log holds each step once ($(lines "$work/sft-ref/train_log.jsonl") lines, as the uninterrupted run)" \
  test "$(lines "$work/sft-run/train_log.jsonl")" -eq "$(lines "$work/sft-ref/train_log.jsonl")"
"$cli" score --data "$work/data.csv" --model "$work/sft-ref" --out "$work/score-ref.csv" 2>/dev/null
"$cli" score --data "$work/data.csv" --model "$work/sft-run" --out "$work/score-run.csv" 2>/dev/null
check "(b) resumed and uninterrupted models score all texts identically (to 1e-6)" same_to_1e6 "$work/score-ref.csv" "$work/score-run.csv"
if cmp -s "$work/sft-ref/model.safetensors" "$work/sft-run/model.safetensors"; then
  echo "      model.safetensors of both runs are byte-identical"
fi

# ------------------------------------------------------------------------------------------ 2. score, generate
# Runs the command in the background, waits until it has loaded its input (its first line on stderr), lets it work
# for DELAY seconds and kills it; then checks OUT: absent, or the complete previous output, never partial.
kill_during() {
  local name=$1 out=$2 rows=$3 delay=$4 previous=$5; shift 5
  "$cli" "$@" --out "$out" >/dev/null 2>"$work/$name.err" &
  local pid=$!
  wait_for 600 test -s "$work/$name.err"
  sleep "$delay"
  local landed="killed while running"; kill9 "$pid" || landed="finished before the kill"
  if [ -z "$previous" ]; then
    if [ ! -e "$out" ]; then pass "$name ($landed after ${delay}s): no output file"
    elif complete "$out" "$rows"; then pass "$name ($landed after ${delay}s): complete output ($rows rows)"
    else fail "$name ($landed after ${delay}s): partial output, $(lines "$out") lines"; fi
  else
    if cmp -s "$out" "$previous"; then pass "$name ($landed after ${delay}s): the previous complete output is intact"
    elif complete "$out" "$rows"; then pass "$name ($landed after ${delay}s): replaced by a new complete output"
    else fail "$name ($landed after ${delay}s): damaged output, $(lines "$out") lines"; fi
  fi
}

for verb in score generate; do
  if [ "$verb" = score ]; then
    args=(score --data "$work/data.csv" --model "$work/sft-ref" --batch-size 8); rows=600
  else
    args=(generate --model "$work/sft-ref" --n 400 --seed 3); rows=400
  fi
  echo "== $verb, killed with SIGKILL while running"
  "$cli" "${args[@]}" --out "$work/$verb-ref.csv" >/dev/null 2>&1 || fail "$verb reference run"
  out="$work/$verb-out.csv"
  rm -f "$out"
  for delay in 0.2 1 2; do kill_during "$verb" "$out" "$rows" "$delay" "" "${args[@]}"; rm -f "$out"; done
  cp "$work/$verb-ref.csv" "$out"
  kill_during "$verb over a previous output" "$out" "$rows" 0.5 "$work/$verb-ref.csv" "${args[@]}"
  rm -f "$out"
  kill_during "$verb" "$out" "$rows" 0.5 "" "${args[@]}"
  "$cli" "${args[@]}" --out "$out" >/dev/null 2>&1 || fail "$verb rerun exited non-zero"
  check "$verb rerun: complete and identical to an uninterrupted run" cmp -s "$out" "$work/$verb-ref.csv"
done
left=$(find "$work" -name '.*.tmp' | wc -l | tr -d ' ')
echo "      temporary files left by killed writers (hidden .NAME.PID.ID.tmp, never read as output): $left"

echo
if [ "$failures" -eq 0 ]; then echo "kill-resume: all checks passed"; else echo "kill-resume: $failures check(s) FAILED"; fi
[ "$failures" -eq 0 ]

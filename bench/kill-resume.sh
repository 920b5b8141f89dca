#!/usr/bin/env bash
# Crash-safety check of the causalpo CLI (see docs/reliability.md).
#   1. sft is killed with SIGKILL mid-training, after its first saved state (OUT/.state/state.json) and a few steps
#      past it; the same command is run again and must (a) resume (training.json "resumed": true) and (b) end with
#      the weights of an uninterrupted run with the same seed (score outputs of both models equal to 1e-6).
#      Killed BEFORE its first saved state, a rerun starts fresh (a fresh log, the uninterrupted run's weights).
#      A changed option on resume (sft --validation-fraction / --lr, train --lr) is refused with exit 2.
#      A second writer into the same --out is refused with exit 2 naming the holder's pid.
#      A --force rerun killed mid-run leaves no old final model that score could load silently.
#      On a full disk (a 3 MB tmpfs, where the machine allows mounting one; skipped with a message otherwise) sft and
#      outcome-model exit 1 leaving no temporary file, and outcome-model leaves none of its three files.
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
# A complete score/generate output is the uninterrupted run's output (both are deterministic; texts may hold newlines).
complete() { [ -f "$1" ] && cmp -s "$1" "$cur_ref"; }

echo "work folder: $work (model: $base)"
"$cli" info >/dev/null || { echo "FAIL  the CLI does not build or start"; exit 1; }
"$cli" simulate --n 600 --seed 1 --out "$work/data.csv" >/dev/null || { echo "FAIL  simulate"; exit 1; }

# ---------------------------------------------------------------------------------------------------- 1. sft
sft=(sft --data "$work/data.csv" --base "$base" --epochs 3 --batch-size 16 --seed 5)
echo "== sft, uninterrupted (reference)"
"$cli" "${sft[@]}" --out "$work/sft-ref" >"$work/sft-ref.out" 2>"$work/sft-ref.err" || fail "uninterrupted sft run"
echo "== sft, killed with SIGKILL before its first saved state"
"$cli" "${sft[@]}" --out "$work/sft-early" >/dev/null 2>"$work/sft-early.err" &
pid=$!
wait_for 900 bash -c "[ \$(cat '$work/sft-early/train_log.jsonl' 2>/dev/null | wc -l) -ge 3 ] || ! kill -0 $pid 2>/dev/null"
if [ ! -f "$work/sft-early/.state/state.json" ] && kill9 "$pid"; then
  pass "sft killed before its first saved state ($(lines "$work/sft-early/train_log.jsonl") steps logged, no state.json)"
else
  kill9 "$pid"; fail "sft could not be killed before its first saved state"
fi
"$cli" "${sft[@]}" --out "$work/sft-early" >/dev/null 2>>"$work/sft-early.err" || fail "sft rerun after an early kill exited non-zero"
check "the rerun started fresh (training.json \"resumed\": false)" grep -q '"resumed": false' "$work/sft-early/training.json"
check "its log holds each step once ($(lines "$work/sft-early/train_log.jsonl") lines, as the uninterrupted run)" \
  test "$(lines "$work/sft-early/train_log.jsonl")" -eq "$(lines "$work/sft-ref/train_log.jsonl")"
check "its model.safetensors is byte-identical to the uninterrupted run's" cmp -s "$work/sft-ref/model.safetensors" "$work/sft-early/model.safetensors"

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
echo "== sft, the killed run rerun with a changed option"
# expect_refusal WHAT EXPECTED_TEXT COMMAND...: the command must exit 2 and say EXPECTED_TEXT on stderr
expect_refusal() {
  local what=$1 text=$2; shift 2
  "$@" >/dev/null 2>"$work/refusal.err"; local rc=$?
  if [ $rc -eq 2 ] && grep -q -- "$text" "$work/refusal.err"; then pass "$what: exit 2, $(grep -m1 '^error:' "$work/refusal.err" | cut -c1-160)"
  else fail "$what: exit $rc, $(grep -m1 '^error:\|^failed:' "$work/refusal.err")"; fi
}
expect_refusal "sft resumed with another --validation-fraction" "other data or settings" "$cli" "${sft[@]}" --out "$work/sft-run" --validation-fraction 0.3
expect_refusal "sft resumed with another --lr" "other data or settings" "$cli" "${sft[@]}" --out "$work/sft-run" --lr 1e-3
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

echo "== two writers into one --out"
# the first writer trains long enough (40 epochs) to still hold its lock when the second one has started up: with the
# 3-epoch run, a fast machine finished it first, and the second then found a finished run (exit 0), not a writer
long=(sft --data "$work/data.csv" --base "$base" --epochs 40 --batch-size 16 --seed 5)
"$cli" "${long[@]}" --out "$work/sft-conc" >/dev/null 2>"$work/sft-conc.err" &
pid=$!
if wait_for 600 test -s "$work/sft-conc/.lock.pid"; then
  expect_refusal "a second sft into the same --out (the first is pid $pid)" "process $pid" "$cli" "${long[@]}" --out "$work/sft-conc"
else fail "the first writer took no lock"; fi
kill9 "$pid"

echo "== --force killed mid-run over a finished run"
"$cli" "${sft[@]}" --out "$work/sft-run" --force >/dev/null 2>"$work/sft-force.err" &
pid=$!
# wait until the new run holds the folder and has logged a few steps of its fresh log (the old log had $(lines "$work/sft-ref/train_log.jsonl"))
wait_for 600 bash -c "{ [ \"\$(cat '$work/sft-run/.lock.pid' 2>/dev/null)\" = $pid ] && n=\$(cat '$work/sft-run/train_log.jsonl' 2>/dev/null | wc -l) && [ \$n -ge 3 ] && [ \$n -lt $(lines "$work/sft-ref/train_log.jsonl") ]; } || ! kill -0 $pid 2>/dev/null"
if kill9 "$pid"; then pass "sft --force killed mid-run ($(lines "$work/sft-run/train_log.jsonl") steps of the new run logged)"
else fail "the --force run finished before it could be killed"; fi
check "after the kill no old final model or checksums remain" test ! -e "$work/sft-run/model.safetensors" -a ! -e "$work/sft-run/checksums.json" -a ! -e "$work/sft-run/causalpo_config.json" -a ! -e "$work/sft-run/config.json"
expect_refusal "score on the interrupted --force folder" "error:" "$cli" score --data "$work/data.csv" --model "$work/sft-run" --out "$work/force-score.csv"

echo "== train, killed and rerun with a changed option"
trn=(train --data "$work/data.csv" --outcome-column outcome --log-propensity-column log_propensity --higher-is-better
     --model "$work/sft-ref" --objective cpo --epochs 3 --batch-size 16 --seed 5)
"$cli" "${trn[@]}" --out "$work/train-run" >/dev/null 2>"$work/train-run.err" &
pid=$!
if wait_for 900 bash -c "test -f '$work/train-run/.state/state.json' || ! kill -0 $pid 2>/dev/null" && kill9 "$pid"; then
  pass "train killed after its first saved state (step $(state_step "$work/train-run/.state/state.json"))"
  expect_refusal "train resumed with another --lr" "other data or settings" "$cli" "${trn[@]}" --out "$work/train-run" --lr 1e-3
else kill9 "$pid"; fail "train could not be killed after a saved state"; fi

echo "== a full disk (3 MB tmpfs)"
disk="$work/disk"
mkdir -p "$disk"
if mount -t tmpfs -o size=3m tmpfs "$disk" 2>/dev/null; then
  # fill the disk so that the model (or the outcome model's files) cannot fit: leave 8 KB free
  # fill DISK_LEFT: fills the disk up to LEFT free bytes
  fill() { rm -f "$disk/filler"; local free; free=$(df -B1 --output=avail "$disk" | tail -1); head -c $((free - $1)) /dev/zero >"$disk/filler" 2>/dev/null; }
  # room for the log and half a model: the first weights written (a saved state or best.safetensors) cannot fit
  model_bytes=$(stat -c %s "$work/sft-ref/model.safetensors")
  fill $((model_bytes / 2))
  "$cli" sft --data "$work/data.csv" --base "$base" --epochs 1 --batch-size 16 --seed 5 --out "$disk/sft" >/dev/null 2>"$work/disk-sft.err"; rc=$?
  tmps=$(find "$disk" -name '*.tmp*' | wc -l | tr -d ' ')
  if [ $rc -eq 1 ] && [ "$tmps" -eq 0 ] && [ ! -e "$disk/sft/model.safetensors" ]; then pass "sft on a full disk: exit 1, no temporary file, no final model ($(grep -m1 -o 'No space left on device' "$work/disk-sft.err"))"
  else fail "sft on a full disk: exit $rc, $tmps temporary file(s): $(find "$disk" -name '*.tmp*' | tr '\n' ' ')"; fi
  rm -rf "$disk/sft"; fill 8192
  "$cli" outcome-model --data "$work/data.csv" --outcome-column outcome --higher-is-better --out "$disk/g" >/dev/null 2>"$work/disk-g.err"; rc=$?
  left=$(cd "$disk/g" 2>/dev/null && find . -type f | tr '\n' ' ')
  if [ $rc -eq 1 ] && [ -z "$left" ]; then pass "outcome-model on a full disk: exit 1, none of outcome_model.json, oof.csv, metrics.json, no temporary file"
  else fail "outcome-model on a full disk: exit $rc, left: $left"; fi
  umount "$disk"
else
  echo "SKIP  a full disk: this machine does not allow mounting a tmpfs here (needs root or CAP_SYS_ADMIN)"
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
  cur_ref="$work/$verb-ref.csv"
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

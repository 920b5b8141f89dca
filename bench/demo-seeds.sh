#!/usr/bin/env bash
# The demo over several seeds, two at a time (each run uses one core), and a table of the demo's claims per seed:
#   bash bench/demo-seeds.sh [FIRST_SEED] [LAST_SEED] [WORK_DIR] [-- DEMO OPTIONS...]   (defaults 1 6 runs/demo-seeds)
# e.g. bash bench/demo-seeds.sh 1 6 runs/demo-seeds-anchor1 -- --anchor-weight 1
# A seed whose folder already holds results.json is not rerun. Writes WORK_DIR/summary.md and prints it.
# Claims checked per seed (true values from the built-in world, 95% CIs):
#   CPO > FT and DR-CPO > FT with non-overlapping CIs; OO-RLHF with the confounded ĝ below OO-RLHF with the randomized
#   ĝ (non-overlapping); DR-CPO with the confounded ĝ not below FT beyond noise (its CI reaches FT's value or above).
# Exits non-zero if any claim fails for any seed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
first="${1:-1}"; last="${2:-6}"; work="${3:-runs/demo-seeds}"
extra=()
if [ $# -gt 3 ]; then
  [ "$4" = "--" ] || { echo "usage: bash bench/demo-seeds.sh [FIRST] [LAST] [WORK_DIR] [-- DEMO OPTIONS...]" >&2; exit 2; }
  extra=("${@:5}")
fi
mkdir -p "$work"
"$root/causalpo" info >/dev/null   # build once before the parallel runs
pending=()
for s in $(seq "$first" "$last"); do
  [ -f "$work/seed-$s/results.json" ] || pending+=("$s")
done
i=0
while [ $i -lt ${#pending[@]} ]; do
  for s in "${pending[@]:$i:2}"; do
    echo "demo seed $s -> $work/seed-$s (log: $work/seed-$s.log)" >&2
    "$root/causalpo" demo --seed "$s" --out "$work/seed-$s" ${extra[@]+"${extra[@]}"} > "$work/seed-$s.log" 2>&1 &
  done
  wait
  i=$((i + 2))
done
python3 - "$work" "$first" "$last" <<'PY'
import json, os, sys
work, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows, ok = [], True
for s in range(first, last + 1):
    p = os.path.join(work, f"seed-{s}", "results.json")
    if not os.path.exists(p):
        rows.append(f"| {s} | run failed (see {work}/seed-{s}.log) | | | | | | |"); ok = False; continue
    r = json.load(open(p))
    m = {x["Name"]: x for x in r["Models"]}
    ft, cpo, dr = m["FT"], m["CPO"], m["DR-CPO"]
    oo, ooc, drc = m["OO-RLHF"], m["OO-RLHF (confounded ĝ)"], m["DR-CPO (confounded ĝ)"]
    c1 = cpo["CiLow"] > ft["CiHigh"]
    c2 = dr["CiLow"] > ft["CiHigh"]
    c3 = ooc["CiHigh"] < oo["CiLow"]
    c4 = drc["CiHigh"] >= ft["TrueValue"]
    ok &= c1 and c2 and c3 and c4
    yn = lambda b: "yes" if b else "**no**"
    rows.append(f"| {s} | {r.get('FtValidationLoss', float('nan')):.3f} ({r.get('FtSteps', 0)}) | {ft['TrueValue']:.3f} | "
                f"{cpo['TrueValue'] - ft['TrueValue']:+.3f} {yn(c1)} | {dr['TrueValue'] - ft['TrueValue']:+.3f} {yn(c2)} | "
                f"{ooc['TrueValue'] - oo['TrueValue']:+.3f} {yn(c3)} | {drc['TrueValue'] - ft['TrueValue']:+.3f} {yn(c4)} | {r['TotalSeconds']:.0f} |")
head = ["| seed | FT loss (steps) | FT value | CPO − FT (CIs apart) | DR-CPO − FT (CIs apart) | OO-RLHF conf. − rand. (CIs apart) | DR-CPO conf. − FT (not below) | seconds |",
        "|---|---|---|---|---|---|---|---|"]
text = "\n".join(head + rows) + "\n"
open(os.path.join(work, "summary.md"), "w").write(text)
print(text)
print("every claim holds for every seed" if ok else "SOME CLAIM FAILS (see **no** above)")
sys.exit(0 if ok else 1)
PY

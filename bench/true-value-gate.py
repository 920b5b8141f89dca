#!/usr/bin/env python3
"""The gate of bench/verbs-check.sh and bench/ab-world.sh: reads the `simulate --score` lines they collected
("NAME true mean outcome V  95% CI [LO, HI] ...", one per model), prints each model's true value minus FT's and
whether the 95% CIs overlap, and exits 1 unless CPO and DR-CPO lie above FT with non-overlapping CIs.
   python3 bench/true-value-gate.py TRUE_VALUES_FILE MODEL...      (the models to compare with ft)"""
import re
import sys

rows = {}
for line in open(sys.argv[1]):
    name = line.split()[0]
    m = re.search(r"true mean outcome ([-\d.]+)\s+95% CI \[([-\d.]+), ([-\d.]+)\]", line)
    rows[name] = tuple(map(float, m.groups()))
ft = rows["ft"]
for n in sys.argv[2:]:
    apart = rows[n][1] > ft[2]
    print(f"{n:8s} - ft = {rows[n][0] - ft[0]:+.3f}" + ("  (95% CIs do not overlap)" if apart else "  (95% CIs overlap)"))
sys.exit(0 if all(rows[n][1] > ft[2] for n in ("cpo", "dr-cpo")) else 1)

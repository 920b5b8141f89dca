#!/usr/bin/env bash
# Side-by-side CPU performance: CausalPreference (TorchSharp, libtorch 2.10) vs PyTorch on the same GPT-2 models,
# shapes and thread count (bench/perf/plan.json). Writes bench/results/perf.json and prints a ratio table.
#   bash bench/perf/run.sh [--quick] [--threads N]
# The PyTorch side is Debian's python3-torch run by /usr/bin/python3 (not a pyenv/venv python). When it is missing
# and we are root, it is installed with apt-get, together with OpenBLAS: Debian's torch does its matrix products through
# the system libblas.so.3, and without OpenBLAS that is the unoptimized reference BLAS (an order of magnitude slower).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/bench/perf"
quick=""; threads="$(nproc)"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick="--quick" ;;
    --threads) threads="${2:?--threads needs a number}"; shift ;;
    *) echo "usage: bash bench/perf/run.sh [--quick] [--threads N]" >&2; exit 2 ;;
  esac
  shift
done
py=/usr/bin/python3
need=()
[ -x "$py" ] && "$py" -c 'import torch' 2>/dev/null || need+=(python3-torch)
ls /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 >/dev/null 2>&1 || need+=(libopenblas0-pthread)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "perf: installing ${need[*]} (apt-get)..." >&2
    apt-get install -y "${need[@]}" >/dev/null || { apt-get update >/dev/null && apt-get install -y "${need[@]}" >/dev/null; }
  else
    echo "perf: please install ${need[*]} (sudo apt-get install -y ${need[*]}); the PyTorch reference needs it" >&2; exit 1
  fi
fi
# Both sides use OpenMP. On a machine shared with other work, spinning OpenMP workers (the default ACTIVE policy) lose
# badly when a core is taken; PASSIVE makes waiting threads sleep. Same setting for both sides; override if you like.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
export OPENBLAS_NUM_THREADS="$threads"
echo "perf: building bench/perf/CausalPreference.Perf (Release)..." >&2
dotnet build "$here/CausalPreference.Perf/CausalPreference.Perf.csproj" -c Release -o "$root/.build/perf" --nologo -v q -clp:ErrorsOnly >&2
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown); threads: $threads; OMP_WAIT_POLICY=$OMP_WAIT_POLICY"
"$py" "$here/pytorch_reference.py" --threads "$threads" $quick --plan "$here/plan.json" --out "$tmp/pytorch.json" --export "$tmp/check"
dotnet "$root/.build/perf/CausalPreference.Perf.dll" --plan "$here/plan.json" --threads "$threads" $quick \
  --reference "$tmp/pytorch.json" --check-dir "$tmp/check" --out "$root/bench/results/perf.json"

#!/usr/bin/env bash
# Makes TorchSharp's native bridge load where the system libstdc++ is older than the one it was built
# against (libLibTorchSharp.so 0.107.0 needs GLIBCXX_3.4.32 for one symbol; Debian 12 has 3.4.30).
# Runs after every build (Directory.Build.targets) on the output folder given as $1. Does nothing where
# it is not needed. Where it is needed it (1) builds libcausalpo_glibcxx_shim.so, which defines the
# missing symbol, next to libLibTorchSharp.so, and (2) marks the GLIBCXX_3.4.32 requirement in the output
# copy of libLibTorchSharp.so as weak. CausalPreference's TorchRuntime loads the shim RTLD_GLOBAL
# before TorchSharp's first call. The NuGet cache itself is never modified.
set -euo pipefail
out="${1:?usage: fix-libtorchsharp.sh OUTPUT_DIR}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
need="GLIBCXX_3.4.32"
mapfile -t libs < <(find "$out" -name libLibTorchSharp.so -type f 2>/dev/null)
[ ${#libs[@]} -gt 0 ] || exit 0
stdcxx="$(ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')"
[ -n "$stdcxx" ] || stdcxx=/usr/lib/x86_64-linux-gnu/libstdc++.so.6
if grep -qa "$need" "$stdcxx" 2>/dev/null; then exit 0; fi   # new enough: nothing to do
for lib in "${libs[@]}"; do
  dir="$(dirname "$lib")"
  shim="$dir/libcausalpo_glibcxx_shim.so"
  if [ ! -f "$shim" ] || [ "$here/glibcxx_shim.cpp" -nt "$shim" ]; then
    command -v g++ >/dev/null || { echo "error: $stdcxx lacks $need and g++ is not installed to build the shim; install g++ (apt-get install g++) or a libstdc++ from GCC 13+" >&2; exit 1; }
    g++ -shared -fPIC -O2 -o "$shim.tmp" "$here/glibcxx_shim.cpp" && mv "$shim.tmp" "$shim"
  fi
  command -v python3 >/dev/null || { echo "error: python3 is needed to patch $lib (apt-get install python3)" >&2; exit 1; }
  python3 "$here/weaken_verneed.py" "$lib" "$need" >/dev/null
done

#!/usr/bin/env bash
# Builds, on this (CPU) machine, everything a GPU machine without the .NET SDK needs to run causalpo and the perf bench
# on CUDA: self-contained linux-x64 publishes of the causalpo CLI and of bench/perf/CausalPreference.Perf WITHOUT the
# bundled libtorch-cpu natives (the technique of ./causalpo's CAUSALPO_TORCH_LIB branch and docs/performance.md), into
# one folder (they share the .NET runtime), packed as one archive:
#     .build/gpu/causalpo-gpu.tar.xz      (folder causalpo-gpu/ inside: causalpo, CausalPreference.Perf, ...)
# On the GPU machine, bench/gpu/run.sh unpacks it and runs it against that machine's PyTorch torch/lib (CUDA).
# Then it checks here that the unpacked build starts, with LD_LIBRARY_PATH at the CPU libtorch 2.10 of the NuGet cache
# standing in for a CUDA torch/lib.
#   bash bench/gpu/prepare.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
command -v dotnet >/dev/null || { echo "prepare: the .NET 10 SDK (dotnet) is required here" >&2; exit 1; }
command -v xz >/dev/null || { echo "prepare: xz is required (apt-get install xz-utils)" >&2; exit 1; }
build="$root/.build/gpu"
app="$build/causalpo-gpu"
archive="$build/causalpo-gpu.tar.xz"
rm -rf "$app" "$archive"
mkdir -p "$build"
# the same file as ./causalpo writes: drop libtorch-cpu-linux-x64's native files from these builds only
cat > "$build/no-libtorch-cpu.targets" <<'TARGETS'
<Project>
  <ItemGroup>
    <PackageReference Update="libtorch-cpu-linux-x64" ExcludeAssets="native;runtime" PrivateAssets="all" />
  </ItemGroup>
</Project>
TARGETS
for proj in src/CausalPreference.Cli/CausalPreference.Cli.csproj bench/perf/CausalPreference.Perf/CausalPreference.Perf.csproj; do
  echo "prepare: publishing $proj (self-contained linux-x64, no CPU libtorch)..." >&2
  dotnet publish "$proj" -c Release -r linux-x64 --self-contained \
    -p:CustomAfterMicrosoftCommonTargets="$build/no-libtorch-cpu.targets" \
    --artifacts-path "$build/artifacts" -o "$app" --nologo -v q -clp:ErrorsOnly >&2
done
if find "$app" -name 'libtorch*.so' | grep -q .; then
  echo "prepare: FAIL: the published folder still holds libtorch natives:" >&2; find "$app" -name 'libtorch*.so' >&2; exit 1
fi
[ -x "$app/causalpo" ] && [ -x "$app/CausalPreference.Perf" ] || { echo "prepare: FAIL: an executable is missing in $app" >&2; exit 1; }
rm -f "$app"/*.pdb
cp bench/perf/plan.json "$app/plan.json"   # the perf bench's default --plan (run.sh passes the repository's anyway)
echo "prepare: packing $(du -sm "$app" | cut -f1) MiB..." >&2
tar -C "$build" -cf - causalpo-gpu | xz -T0 -6 > "$archive.tmp" && mv "$archive.tmp" "$archive"
size_mb="$(du -m "$archive" | cut -f1)"
echo "prepare: archive $archive: $(stat -c %s "$archive") bytes (~${size_mb} MiB)"
[ "$size_mb" -lt 50 ] || { echo "prepare: FAIL: the archive is over 50 MiB" >&2; exit 1; }

# check: unpack elsewhere and start both programs against the NuGet cache's CPU libtorch (standing in for CUDA torch/lib)
nuget="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
cpulib="$(ls -d "$nuget"/libtorch-cpu-linux-x64/2.10.*/runtimes/linux-x64/native 2>/dev/null | sort | tail -1)"
[ -n "$cpulib" ] && [ -f "$cpulib/libtorch.so" ] || { echo "prepare: no libtorch-cpu-linux-x64 2.10 in $nuget; cannot check the build" >&2; exit 1; }
check="$(mktemp -d)"; trap 'rm -rf "$check"' EXIT
tar -C "$check" -xJf "$archive"
echo "prepare: check 1: without LD_LIBRARY_PATH causalpo info must refuse (no libtorch inside)" >&2
if env -u LD_LIBRARY_PATH "$check/causalpo-gpu/causalpo" info >"$check/noload.txt" 2>&1; then
  echo "prepare: FAIL: causalpo info ran without any libtorch; the CPU natives were not left out" >&2; cat "$check/noload.txt" >&2; exit 1
fi
echo "prepare: check 2: causalpo info with LD_LIBRARY_PATH=$cpulib" >&2
LD_LIBRARY_PATH="$cpulib" "$check/causalpo-gpu/causalpo" info
echo "prepare: check 3: the perf bench starts and refuses --device cuda cleanly on a CPU libtorch (exit 2 expected)" >&2
set +e
LD_LIBRARY_PATH="$cpulib" "$check/causalpo-gpu/CausalPreference.Perf" --plan bench/perf/plan.json --device cuda --threads 1
rc=$?
set -e
[ "$rc" = 2 ] || { echo "prepare: FAIL: the perf bench exited $rc (expected 2: no CUDA in a CPU libtorch)" >&2; exit 1; }
echo "prepare: OK. Carry '.build/gpu/causalpo-gpu.tar.xz' to the GPU machine and run there:"
echo "  bash bench/gpu/run.sh .build/gpu/causalpo-gpu.tar.xz \"\$OUT\""

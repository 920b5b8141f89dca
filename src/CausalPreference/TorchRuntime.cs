using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CausalPreference;

/// <summary>
/// Prepares the process so TorchSharp's native bridge loads. On systems whose libstdc++ predates
/// GLIBCXX_3.4.32 the build places <c>libcausalpo_glibcxx_shim.so</c> beside <c>libLibTorchSharp.so</c>
/// (tools/native/fix-libtorchsharp.sh); it must be loaded into the global symbol scope before TorchSharp
/// opens its bridge. Runs automatically when this assembly is first used.
/// </summary>
public static class TorchRuntime
{
    const int RTLD_NOW = 0x2, RTLD_GLOBAL = 0x100;
    [DllImport("libc", EntryPoint = "dlopen")] static extern IntPtr DlOpen(string file, int mode);
    [DllImport("libc", EntryPoint = "dlerror")] static extern IntPtr DlError();
    [DllImport("libc", EntryPoint = "setenv")] static extern int SetEnv(string name, string value, int overwrite);

    static bool _prepared;
    /// <summary>Path of the shim that was loaded, or null where none was needed.</summary>
    public static string? ShimPath { get; private set; }

#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Init() => Prepare();

    /// <summary>Applies CAUSALPO_KERNELS (see <see cref="ApplyKernelMode"/>) and, on Linux, loads the libstdc++ shim into the
    /// global symbol scope where the build placed one. Runs once per process (later calls do nothing); the module
    /// initializer calls it. Throws <see cref="InvalidOperationException"/> when a shim is present but cannot be loaded.</summary>
    public static void Prepare()
    {
        if (_prepared) return;
        _prepared = true;
        if (!OperatingSystem.IsLinux()) return;
        ApplyKernelMode();
        foreach (var dir in CandidateDirs())
        {
            var shim = Path.Combine(dir, "libcausalpo_glibcxx_shim.so");
            if (!File.Exists(shim)) continue;
            if (DlOpen(shim, RTLD_NOW | RTLD_GLOBAL) == IntPtr.Zero)
                throw new InvalidOperationException($"could not load {shim}: {Marshal.PtrToStringAnsi(DlError())}");
            ShimPath = shim;
            return;
        }
    }

    static IEnumerable<string> CandidateDirs()
    {
        var b = AppContext.BaseDirectory;
        yield return b;
        yield return Path.Combine(b, "runtimes", "linux-x64", "native");
    }

    /// <summary>True when CAUSALPO_KERNELS=portable pinned the CPU kernel paths (see <see cref="ApplyKernelMode"/>).</summary>
    public static bool PortableKernels { get; private set; }

    /// <summary>The settings <see cref="ApplyKernelMode"/> put into the native environment (name → value).</summary>
    public static IReadOnlyDictionary<string, string> PinnedKernelSettings => _pinned;
    static readonly Dictionary<string, string> _pinned = new(StringComparer.Ordinal);

    /// <summary>
    /// CAUSALPO_KERNELS=portable pins the CPU code paths that differ between x86-64 machines, before libtorch loads:
    /// ATen's vector kernels to AVX2 (ATEN_CPU_CAPABILITY; by default ATen picks AVX-512 where the CPU has it), MKL's
    /// conditional numerical reproducibility to its AVX2 path (MKL_CBWR), oneDNN's instruction set to AVX2, and libtorch
    /// to one intra-op thread. A variable the user set already is left alone. Without it (the default) every
    /// machine uses its fastest kernels, and results are bit-reproducible only on machines that pick the same ones.
    /// </summary>
    static void ApplyKernelMode()
    {
        if (!string.Equals(Environment.GetEnvironmentVariable("CAUSALPO_KERNELS")?.Trim(), "portable", StringComparison.OrdinalIgnoreCase)) return;
        PortableKernels = true;
        foreach (var (name, value) in new[] { ("ATEN_CPU_CAPABILITY", "avx2"), ("MKL_CBWR", "AVX2"), ("ONEDNN_MAX_CPU_ISA", "AVX2"), ("DNNL_MAX_CPU_ISA", "AVX2") })
        {
            if (Environment.GetEnvironmentVariable(name) is not null) continue;
            if (SetEnv(name, value, 0) == 0) _pinned[name] = value;
        }
    }

    /// <summary>The ATen CPU kernel family this process uses: ATEN_CPU_CAPABILITY if set (by the user or by
    /// CAUSALPO_KERNELS=portable), otherwise the widest the CPU offers (avx512, avx2 or default), as ATen chooses it.</summary>
    public static string CpuKernels()
    {
        if (_pinned.TryGetValue("ATEN_CPU_CAPABILITY", out var p)) return p;
        if (Environment.GetEnvironmentVariable("ATEN_CPU_CAPABILITY") is { Length: > 0 } e) return e;
        try
        {
            if (!OperatingSystem.IsLinux() || !File.Exists("/proc/cpuinfo")) return "unknown";
            var flags = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))?.Split(' ').ToHashSet() ?? [];
            if (new[] { "avx512f", "avx512bw", "avx512vl", "avx512dq" }.All(flags.Contains)) return "avx512";
            if (flags.Contains("avx2") && flags.Contains("fma")) return "avx2";
            return "default";
        }
        catch (IOException) { return "unknown"; }
    }

    /// <summary>
    /// CAUSALPO_THREADS=N sets libtorch's intra-op threads. Small models are dominated by per-operation overhead, and on a
    /// busy machine a second thread that waits to be scheduled slows every operation down; one thread can then be faster.
    /// </summary>
    public static void ApplyThreadSetting()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("CAUSALPO_THREADS"), out var n) && n > 0)
            TorchSharp.torch.set_num_threads(n);
        else if (PortableKernels)
            TorchSharp.torch.set_num_threads(1);
    }

    /// <summary>Parameter count below which one intra-op thread is used by default (see <see cref="TuneThreadsFor"/>).</summary>
    public const long SmallModelParameters = 20_000_000;

    /// <summary>
    /// Picks libtorch's thread count for a model: CAUSALPO_THREADS when set; otherwise one thread for small models
    /// (below <see cref="SmallModelParameters"/>), whose tensors are too small to split — measured on 2 busy cores,
    /// sampling 256 texts from the tiny model took 11.6 s with one thread and 91 s with two — and libtorch's default
    /// for larger ones.
    /// </summary>
    public static void TuneThreadsFor(long parameterCount)
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("CAUSALPO_THREADS"), out var n) && n > 0)
            TorchSharp.torch.set_num_threads(n);
        else if (parameterCount < SmallModelParameters || PortableKernels)
            TorchSharp.torch.set_num_threads(1);
    }

    /// <summary>Runs a tiny tensor operation; throws a readable error if libtorch cannot be loaded.</summary>
    public static void EnsureLoaded()
    {
        Prepare();
        try
        {
            using var t = TorchSharp.torch.ones(2);
            ApplyThreadSetting();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidOperationException(
                "libtorch could not be loaded. On Linux with libstdc++ older than GCC 13 the build must have run " +
                "tools/native/fix-libtorchsharp.sh (it needs g++ and python3). A build published without the bundled CPU libtorch " +
                "(for CUDA) needs a PyTorch 2.10 torch/lib folder on LD_LIBRARY_PATH: set CAUSALPO_TORCH_LIB to it and use the " +
                $"causalpo launcher (see docs/performance.md). Underlying error: {e.Message}", e);
        }
    }
}

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

    static bool _prepared;
    /// <summary>Path of the shim that was loaded, or null where none was needed.</summary>
    public static string? ShimPath { get; private set; }

#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Init() => Prepare();

    public static void Prepare()
    {
        if (_prepared) return;
        _prepared = true;
        if (!OperatingSystem.IsLinux()) return;
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

    /// <summary>
    /// CAUSALPO_THREADS=N sets libtorch's intra-op threads. Small models are dominated by per-operation overhead, and on a
    /// busy machine a second thread that waits to be scheduled slows every operation down; one thread can then be faster.
    /// </summary>
    public static void ApplyThreadSetting()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("CAUSALPO_THREADS"), out var n) && n > 0)
            TorchSharp.torch.set_num_threads(n);
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
        else if (parameterCount < SmallModelParameters)
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

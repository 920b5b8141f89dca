using System.CommandLine;

namespace CausalPreference.Cli.Commands;

/// <summary><c>causalpo info</c>: checks that libtorch loads and prints the runtime.</summary>
public static class InfoCommand
{
    public static Command Build()
    {
        var cmd = new Command("info", "Check that libtorch loads and print versions and devices.");
        Cli.SetAction(cmd, _ =>
        {
            TorchRuntime.EnsureLoaded();
            Console.WriteLine($"TorchSharp: {typeof(TorchSharp.torch).Assembly.GetName().Version}");
            Console.WriteLine($"CUDA available: {TorchSharp.torch.cuda.is_available()}");
            Console.WriteLine($"libstdc++ shim: {TorchRuntime.ShimPath ?? "not needed"}");
            Console.WriteLine($"threads: {TorchSharp.torch.get_num_threads()}");
            // What decides whether another machine reproduces this one's numbers bit for bit (docs/reliability.md, Determinism).
            Console.WriteLine(TorchRuntime.PortableKernels
                ? $"CPU kernels: portable (CAUSALPO_KERNELS=portable: ATen {TorchRuntime.CpuKernels()}, one thread{(TorchRuntime.PinnedKernelSettings.Count > 0 ? "; set " + string.Join(", ", TorchRuntime.PinnedKernelSettings.Select(kv => $"{kv.Key}={kv.Value}")) : "")})"
                : $"CPU kernels: native (ATen {TorchRuntime.CpuKernels()}); results are bit-identical only on machines with the same kernels, thread count and libtorch build (CAUSALPO_KERNELS=portable pins them)");
            return Cli.Ok;
        });
        return cmd;
    }
}

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
            return Cli.Ok;
        });
        return cmd;
    }
}

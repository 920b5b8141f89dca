using System.Diagnostics;
using System.Security.Cryptography;
using CausalPreference.Models;

namespace CausalPreference.Tests.Models;

/// <summary>
/// Cross-machine reproducibility (issue 14, item 13). The bits of a CPU run depend on the kernels libtorch picks for
/// the CPU (ATen: AVX-512 where the CPU has it, else AVX2) and on the thread count. CAUSALPO_KERNELS=portable pins
/// them (ATen AVX2, MKL's AVX2 reproducibility path, oneDNN AVX2, one thread). These tests check, on one machine, that
/// the portable mode runs exactly the pinned paths — what a machine whose widest unit is AVX2 runs by default — and
/// that `info` says which kernels a run uses. A second machine was not available to check the cross-machine claim itself.
/// </summary>
public sealed class KernelModeTests : IDisposable
{
    readonly Workspace _ws = new();
    public void Dispose() => _ws.Dispose();

    static (int Exit, string Out, string Err) RunCli(IReadOnlyDictionary<string, string> env, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "causalpo.dll");
        var host = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var psi = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var k in new[] { "CAUSALPO_KERNELS", "CAUSALPO_THREADS", "ATEN_CPU_CAPABILITY", "MKL_CBWR", "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA" }) psi.Environment.Remove(k);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var proc = Process.Start(psi)!;
        var err = proc.StandardError.ReadToEndAsync();
        var o = proc.StandardOutput.ReadToEnd();
        Assert.True(proc.WaitForExit(300_000), "the CLI process did not finish");
        return (proc.ExitCode, o, err.Result);
    }

    string Sft(string name, IReadOnlyDictionary<string, string> env)
    {
        var data = _ws.Text("d.csv", "text\nthe cat sat\na dog ran\na bird flew\nthe fish swam\nthe cat ran\na dog sat\n");
        var r = RunCli(env, "sft", "--data", data, "--base", "micro", "--epochs", "2", "--batch-size", "2", "--seed", "7", "--out", _ws.Path(name));
        Assert.True(r.Exit == 0, $"exit {r.Exit}\n{r.Out}\n{r.Err}");
        return Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(_ws.Path(name), Checkpoint.WeightsFile))));
    }

    [Fact]
    public void PortableKernelsRunExactlyThePinnedPaths()
    {
        if (!OperatingSystem.IsLinux()) return; // the native environment is set through libc's setenv
        var portable = Sft("portable", new Dictionary<string, string> { ["CAUSALPO_KERNELS"] = "portable" });
        var pinned = Sft("pinned", new Dictionary<string, string>
        {
            ["ATEN_CPU_CAPABILITY"] = "avx2", ["MKL_CBWR"] = "AVX2", ["ONEDNN_MAX_CPU_ISA"] = "AVX2", ["CAUSALPO_THREADS"] = "1",
        });
        Assert.Equal(pinned, portable);
    }

    [Fact]
    public void InfoSaysWhichKernelsAreUsed()
    {
        var native = RunCli(new Dictionary<string, string>(), "info");
        Assert.Equal(0, native.Exit);
        Assert.Contains("CPU kernels: native", native.Out);
        Assert.Contains("CAUSALPO_KERNELS=portable pins them", native.Out);
        if (!OperatingSystem.IsLinux()) return;
        var portable = RunCli(new Dictionary<string, string> { ["CAUSALPO_KERNELS"] = "portable" }, "info");
        Assert.Contains("CPU kernels: portable", portable.Out);
        Assert.Contains("ATEN_CPU_CAPABILITY=avx2", portable.Out);
        Assert.Contains("threads: 1", portable.Out);
    }
}

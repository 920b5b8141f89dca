using System.Diagnostics;
using System.Security.Cryptography;
using CausalPreference.Models;

namespace CausalPreference.Tests.Training;

/// <summary>The same seed gives the same outputs on CPU, byte for byte; a different seed gives different ones
/// (so these tests could fail).</summary>
public sealed class DeterminismTests : IDisposable
{
    readonly Workspace _ws = new();

    public void Dispose() => _ws.Dispose();

    static string Hash(string file) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)));

    string Sft(string name, string data, string seed)
    {
        var dir = _ws.Path(name);
        var r = CliRunner.Run("sft", "--data", data, "--base", "micro", "--out", dir, "--epochs", "1", "--batch-size", "2", "--seed", seed);
        Assert.True(r.Exit == 0, r.ToString());
        return Path.Combine(dir, Checkpoint.WeightsFile);
    }

    [Fact]
    public void SftTwiceGivesIdenticalWeights()
    {
        var data = _ws.Text("d.csv", "text\nthe cat sat\na dog ran\na bird flew\nthe fish swam\nthe cat ran\na dog sat\n");
        var a = Sft("a", data, "7");
        var b = Sft("b", data, "7");
        var c = Sft("c", data, "8");
        Assert.Equal(Hash(a), Hash(b));
        Assert.NotEqual(Hash(a), Hash(c));
    }

    /// <summary>Runs the built CLI (causalpo.dll, copied beside the tests) in a child process.</summary>
    static void RunCliProcess(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "causalpo.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: the test project references the CLI project, which puts it there");
        var host = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var psi = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var proc = Process.Start(psi)!;
        var stderr = proc.StandardError.ReadToEndAsync();
        var stdout = proc.StandardOutput.ReadToEnd();
        Assert.True(proc.WaitForExit(300_000), "the CLI process did not finish");
        Assert.True(proc.ExitCode == 0, $"exit {proc.ExitCode}\n{stdout}\n{stderr.Result}");
    }

    /// <summary>Across processes too: nothing in data order or initialization may depend on per-process state
    /// (e.g. <see cref="HashCode"/>, which .NET randomizes per process). A resumed run relies on this.</summary>
    [Fact]
    public void SftInTwoProcessesGivesIdenticalWeights()
    {
        var data = _ws.Text("d.csv", "text\nthe cat sat\na dog ran\na bird flew\nthe fish swam\nthe cat ran\na dog sat\n");
        string[] args = ["sft", "--data", data, "--base", "micro", "--epochs", "2", "--batch-size", "2", "--seed", "7", "--out"];
        RunCliProcess([.. args, _ws.Path("p1")]);
        RunCliProcess([.. args, _ws.Path("p2")]);
        Assert.Equal(Hash(Path.Combine(_ws.Path("p1"), Checkpoint.WeightsFile)), Hash(Path.Combine(_ws.Path("p2"), Checkpoint.WeightsFile)));
    }

    string Generate(string model, string name, string seed)
    {
        var o = _ws.Path(name);
        var r = CliRunner.Run("generate", "--model", model, "--n", "4", "--max-new-tokens", "12", "--seed", seed, "--out", o);
        Assert.True(r.Exit == 0, r.ToString());
        return o;
    }

    [Fact]
    public void GenerateTwiceGivesIdenticalTexts()
    {
        var model = _ws.MicroCheckpoint();
        var a = Generate(model, "a.csv", "11");
        var b = Generate(model, "b.csv", "11");
        var c = Generate(model, "c.csv", "12");
        Assert.Equal(4, CausalPreference.Data.TableReader.Read(a).RowCount);
        Assert.Equal(File.ReadAllText(a), File.ReadAllText(b));
        Assert.NotEqual(File.ReadAllText(a), File.ReadAllText(c));
    }

    string Simulate(string name, string seed, params string[] extra)
    {
        var o = _ws.Path(name);
        var r = CliRunner.Run(["simulate", "--n", "200", "--seed", seed, "--out", o, .. extra]);
        Assert.True(r.Exit == 0, r.ToString());
        return o;
    }

    [Fact]
    public void SimulateTwiceGivesIdenticalCsv()
    {
        Assert.Equal(Hash(Simulate("a.csv", "3")), Hash(Simulate("b.csv", "3")));
        Assert.Equal(Hash(Simulate("ca.csv", "3", "--confounded")), Hash(Simulate("cb.csv", "3", "--confounded")));
        Assert.NotEqual(Hash(Simulate("a.csv", "3")), Hash(Simulate("d.csv", "4")));
        Assert.Equal(201, File.ReadAllLines(_ws.Path("a.csv")).Length);
    }
}

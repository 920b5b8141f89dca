using System.Text.Json;
using CausalPreference.Models;
using CausalPreference.Simulation;
using CausalPreference.Text;
using static TorchSharp.torch;

namespace CausalPreference.Tests.Evaluation.OffPolicy;

/// <summary>A temporary folder with two untrained micro models, a small held-out CSV of the built-in world, and CLI helpers.</summary>
public sealed class EvalFixture : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("cp-evalx-").FullName;
    public string ModelA { get; }
    public string ModelB { get; }
    public string Data { get; }
    public SimulatedData Rows { get; }

    public EvalFixture()
    {
        ModelA = Path.Combine(Dir, "model-a");
        ModelB = Path.Combine(Dir, "model-b");
        manual_seed(11);
        Checkpoint.Save(ModelFactory.Create(ModelConfig.Micro), new ByteTokenizer(), ModelA);
        manual_seed(12);
        Checkpoint.Save(ModelFactory.Create(ModelConfig.Micro), new ByteTokenizer(), ModelB);
        Rows = new World().Generate(30, seed: 5);
        Data = Path.Combine(Dir, "heldout.csv");
        SimulatedDataCsv.Write(Data, Rows);
    }

    public string Path_(string name) => Path.Combine(Dir, name);

    /// <summary>Runs the CLI in-process; returns the exit code and what it wrote to stderr.</summary>
    public static (int Code, string Stderr) Run(params string[] args)
    {
        var err = new StringWriter();
        var oldErr = Console.Error;
        var oldOut = Console.Out;
        Console.SetError(err);
        Console.SetOut(new StringWriter());
        try { return (CausalPreference.Cli.CliApp.Run(args), err.ToString()); }
        finally { Console.SetError(oldErr); Console.SetOut(oldOut); }
    }

    public static JsonDocument Json(string path) => JsonDocument.Parse(File.ReadAllText(path));

    /// <summary>The estimate object of <paramref name="estimator"/> in a model's "estimates" or "difference_to_baseline" array.</summary>
    public static JsonElement Estimate(JsonElement model, string estimator, string array = "estimates") =>
        model.GetProperty(array).EnumerateArray().Single(e => e.GetProperty("estimator").GetString() == estimator);

    public static JsonElement Model(JsonDocument doc, string name) =>
        doc.RootElement.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("name").GetString() == name);

    public static void AssertPng(string path)
    {
        Assert.True(File.Exists(path), path);
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 5 * 1024, $"{path} is only {bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}

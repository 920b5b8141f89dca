using System.Text.Json;
using CausalPreference.Cli;
using CausalPreference.Data;
using CausalPreference.Models;
using CausalPreference.Pipeline;
using CausalPreference.Refuters;
using CausalPreference.Simulation;

namespace CausalPreference.Tests.Pipeline;

public sealed class RefutationTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("causalpo-refute-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    // 100 held-out rows: with only 20 the influence-function interval of SNIPW is too narrow often enough to make a
    // placebo flaky (a real property of the estimator at small ESS, documented in docs/results.md).
    [Fact]
    public void PlaceboOnSimulatedDataReportsALiftWhoseCICoversZero()
    {
        var data = Path.Combine(_dir, "world.csv");
        SimulatedDataCsv.Write(data, new World(WorldConfig.Default() with { Seed = 5 }).Generate(200, 11));
        var ft = Path.Combine(_dir, "ft");
        var (model, tok) = Checkpoint.LoadOrCreate("micro", null, 5);
        Checkpoint.Save(model, tok, ft);
        var outDir = Path.Combine(_dir, "refute");
        var err = new StringWriter();
        var saved = Console.Error;
        Console.SetError(err);
        int rc;
        try
        {
            rc = CliApp.Run(["refute", "--data", data, "--outcome-column", "outcome", "--higher-is-better", "--model", ft, "--objective", "cpo",
            "--check", "placebo", "--out", outDir, "--epochs", "1", "--batch-size", "8", "--lr", "0.0001", "--test-fraction", "0.5", "--seed", "1"]);
        }
        finally { Console.SetError(saved); }
        Assert.True(rc == 0, err.ToString());
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "refute.json")));
        var p = doc.RootElement.GetProperty("placebo");
        Assert.True(p.GetProperty("passed").GetBoolean());
        Assert.Equal("PASS", p.GetProperty("verdict").GetString());
        var lift = p.GetProperty("lift");
        double lo = lift.GetProperty("ci_low").GetDouble(), hi = lift.GetProperty("ci_high").GetDouble();
        Assert.True(lo <= 0 && hi >= 0, $"[{lo}, {hi}]");
        Assert.True(hi > lo); // a real interval, not a degenerate point
        Assert.Equal(100, p.GetProperty("test_rows").GetInt32());
        Assert.True(p.GetProperty("effective_rows").GetDouble() >= Refutation.MinEffectiveRows);
    }

    [Fact]
    public void ShufflingPermutesOutcomesWithinGroupsOnly()
    {
        var t = new Table("t.csv", ["g", "text", "y"], [["a", "x1", "1"], ["a", "x2", "2"], ["a", "x3", "3"], ["b", "x4", "10"], ["b", "x5", "20"]]);
        var (s, within) = Refutation.ShuffleOutcomes(t, new DatasetSpec("t.csv", "text") { OutcomeColumn = "y", GroupColumn = "g" }, 1);
        Assert.Contains("'g'", within);
        var a = Enumerable.Range(0, 3).Select(r => s.Get(r, "y")).OrderBy(v => v).ToArray();
        var b = Enumerable.Range(3, 2).Select(r => s.Get(r, "y")).OrderBy(v => v).ToArray();
        Assert.Equal(new string?[] { "1", "2", "3" }, a);
        Assert.Equal(new string?[] { "10", "20" }, b);
        Assert.Equal(new string?[] { "x1", "x2", "x3", "x4", "x5" }, Enumerable.Range(0, 5).Select(r => s.Get(r, "text")).ToArray());
    }
}

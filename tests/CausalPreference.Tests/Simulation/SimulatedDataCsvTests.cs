using CausalPreference.IO;
using CausalPreference.Simulation;

namespace CausalPreference.Tests.Simulation;

public sealed class SimulatedDataCsvTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "causalpo-simcsv-" + Guid.NewGuid().ToString("N"));

    public void Dispose() { try { Directory.Delete(_dir, true); } catch (DirectoryNotFoundException) { } }

    [Fact]
    public void RandomizedDataRoundTripsExactly()
    {
        var data = new World().Generate(200, seed: 9);
        var path = Path.Combine(_dir, "sim.csv");
        SimulatedDataCsv.Write(path, data);
        Assert.StartsWith("text,outcome,log_propensity\n", File.ReadAllText(path));
        var back = SimulatedDataCsv.Read(path);
        Assert.False(back.Confounded);
        Assert.Equal(data.Rows, back.Rows);
    }

    [Fact]
    public void ConfoundedDataKeepsUAndAwkwardTextsSurviveQuoting()
    {
        var rows = new List<SimulatedRow>
        {
            new("plain text", 1.5, -3.25, 1),
            new("comma, \"quote\" and\nnewline", -0.1, double.NegativeInfinity, 0),
            new(" padded ", 1e-300, 0, 1),
            new("", 7, -1, 0),
        };
        var data = new SimulatedData(rows, confounded: true);
        var path = Path.Combine(_dir, "conf.csv");
        SimulatedDataCsv.Write(path, data);
        var content = File.ReadAllText(path);
        Assert.StartsWith("text,outcome,log_propensity,u\n", content);
        Assert.Contains("\"comma, \"\"quote\"\" and\nnewline\",-0.1,-Infinity,0\n", content);
        var back = SimulatedDataCsv.Read(path);
        Assert.True(back.Confounded);
        Assert.Equal(rows, back.Rows);
    }

    [Fact]
    public void BadFilesNameTheRowAndColumn()
    {
        var path = Path.Combine(_dir, "bad.csv");
        Directory.CreateDirectory(_dir);
        File.WriteAllText(path, "text,outcome,log_propensity\nok,1,-2\nbad,abc,-2\n");
        var e = Assert.Throws<InputException>(() => SimulatedDataCsv.Read(path));
        Assert.Equal(2, e.Row);
        Assert.Equal("outcome", e.Column);

        File.WriteAllText(path, "text,y\nok,1\n");
        Assert.Equal(0, Assert.Throws<InputException>(() => SimulatedDataCsv.Read(path)).Row);

        File.WriteAllText(path, "text,outcome,log_propensity\nok,1,0.5\n");
        Assert.Equal("log_propensity", Assert.Throws<InputException>(() => SimulatedDataCsv.Read(path)).Column);

        File.WriteAllText(path, "text,outcome,log_propensity,u\nok,1,-1,2\n");
        Assert.Equal("u", Assert.Throws<InputException>(() => SimulatedDataCsv.Read(path)).Column);

        File.WriteAllText(path, "text,outcome,log_propensity\n\"open,1,-1\n");
        Assert.Throws<InputException>(() => SimulatedDataCsv.Read(path));

        Assert.Throws<InputException>(() => SimulatedDataCsv.Read(Path.Combine(_dir, "missing.csv")));
    }
}

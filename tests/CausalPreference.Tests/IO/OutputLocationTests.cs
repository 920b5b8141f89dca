namespace CausalPreference.Tests.IO;

/// <summary>Output locations that cannot be written: refused with exit code 2 naming the location, nothing left behind.</summary>
public sealed class OutputLocationTests : IDisposable
{
    readonly Workspace _ws = new();
    readonly string _data;
    readonly string _blocker;

    public OutputLocationTests()
    {
        _data = _ws.Text("d.csv", "text,y\nthe cat sat,1\na dog ran,2\na bird flew,3\nthe fish swam,2\n");
        _blocker = _ws.Text("not-a-folder", "a regular file");
    }

    public void Dispose() => _ws.Dispose();

    [Fact]
    public void SftOutUnderARegularFile()
    {
        var o = Path.Combine(_blocker, "run");
        var r = CliRunner.Run("sft", "--data", _data, "--base", "micro", "--out", o, "--epochs", "1", "--batch-size", "2");
        Refusal.Assert(r, _ws, _blocker, null, null, "Choose a writable location", o);
        Assert.Equal("a regular file", File.ReadAllText(_blocker));
    }

    [Fact]
    public void ScoreOutUnderARegularFile()
    {
        var model = _ws.MicroCheckpoint();
        var o = Path.Combine(_blocker, "scores.csv");
        var r = CliRunner.Run("score", "--data", _data, "--model", model, "--out", o);
        Refusal.Assert(r, _ws, _blocker, null, null, "Choose a writable location", o);
    }

    [Fact]
    public void ScoreOutIsAnExistingFolder()
    {
        var model = _ws.MicroCheckpoint();
        var o = _ws.Path("a-folder");
        Directory.CreateDirectory(o);
        var r = CliRunner.Run("score", "--data", _data, "--model", model, "--out", o);
        Refusal.Assert(r, _ws, o, null, null, "give a file name");
        Assert.Empty(Directory.GetFileSystemEntries(o));
    }

    [Fact]
    public void SimulateOutUnderARegularFile()
    {
        var o = Path.Combine(_blocker, "sim.csv");
        var r = CliRunner.Run("simulate", "--n", "20", "--out", o);
        Refusal.Assert(r, _ws, _blocker, null, null, "Choose a writable location", o);
    }

    [Fact]
    public void TrainOutUnderARegularFile()
    {
        var model = _ws.MicroCheckpoint();
        var o = Path.Combine(_blocker, "run");
        var r = CliRunner.Run("train", "--data", _data, "--outcome-column", "y", "--higher-is-better", "--model", model, "--objective", "cpo",
            "--out", o, "--epochs", "1", "--validation-fraction", "0.25");
        Refusal.Assert(r, _ws, _blocker, null, null, "writable", o);
    }
}

using CausalPreference.Data;
using CausalPreference.IO;
using CausalPreference.Pipeline;

namespace CausalPreference.Tests.IO;

/// <summary>
/// A write that fails (a full disk, simulated deterministically by <see cref="AtomicFile.BeforeRenameForTests"/> or a
/// failing writer) leaves no temporary file on any path, and a folder's outputs that belong together appear together
/// or not at all (issue 14, item 5).
/// </summary>
public sealed class FailedWriteTests : IDisposable
{
    readonly Workspace _ws = new();

    public void Dispose()
    {
        AtomicFile.BeforeRenameForTests = null;
        _ws.Dispose();
    }

    static Action<string> DiskFullAt(string fileName) => target =>
    {
        if (Path.GetFileName(target) == fileName) throw new IOException("No space left on device");
    };

    string Data() => _ws.Text("d.csv", "text,y\nthe cat sat,1\na dog ran,2\na bird flew,3\nthe fish swam,2\nan owl hooted,1\nthe cat ran,3\na dog sat,2\nthe owl flew,1\n");

    [Fact]
    public void AFailingWriterLeavesTheOldFileAndNoTemporary()
    {
        var f = _ws.Text("x.txt", "old");
        var e = Assert.Throws<IOException>(() => AtomicFile.Write(f, s => { s.Write(new byte[1000]); throw new IOException("No space left on device"); }));
        Assert.Equal("old", File.ReadAllText(f));
        Assert.Empty(_ws.LeftoverTemporaries());
        Assert.Contains(f, e.Message);
        Assert.DoesNotContain(".tmp", e.Message); // the user's file is named, not the hidden temporary one
    }

    [Fact]
    public void AFailingPathWriterLeavesNoTemporary()
    {
        var f = _ws.Path("w.bin");
        Assert.Throws<IOException>(() => AtomicFile.WriteVia(f, tmp => { File.WriteAllBytes(tmp, new byte[100]); throw new IOException("No space left on device"); }));
        Assert.False(File.Exists(f));
        Assert.Empty(_ws.LeftoverTemporaries());
    }

    [Fact]
    public void ACheckpointWhoseWeightsCannotBeWrittenLeavesNoTemporary()
    {
        AtomicFile.BeforeRenameForTests = DiskFullAt("model.safetensors");
        Assert.Throws<IOException>(() => _ws.MicroCheckpoint("ck"));
        Assert.Empty(_ws.LeftoverTemporaries());
        Assert.False(File.Exists(Path.Combine(_ws.Path("ck"), "checksums.json")));
    }

    [Theory]
    [InlineData("best.safetensors")]
    [InlineData("model.safetensors")]
    [InlineData("optimizer.bin")]
    [InlineData("state.json")]
    public void SftOnAFullDiskExitsOneAndLeavesNoTemporary(string failing)
    {
        AtomicFile.BeforeRenameForTests = DiskFullAt(failing);
        var r = CliRunner.Run("sft", "--data", Data(), "--base", "micro", "--out", _ws.Path("run"), "--epochs", "1", "--batch-size", "2", "--validation-fraction", "0.25");
        AtomicFile.BeforeRenameForTests = null;
        Assert.True(r.Exit == 1, r.ToString());
        Assert.Contains("No space left on device", r.Err);
        Assert.Contains(failing, r.Err);
        Assert.Empty(_ws.LeftoverTemporaries());
        Assert.False(File.Exists(Path.Combine(_ws.Path("run"), "model.safetensors")));
    }

    [Theory]
    [InlineData("oof.csv")]
    [InlineData("metrics.json")]
    [InlineData("outcome_model.json")]
    public void OutcomeModelOutputsAppearTogetherOrNotAtAll(string failing)
    {
        var dir = _ws.Path("g");
        var ok = CliRunner.Run("outcome-model", "--data", Data(), "--outcome-column", "y", "--higher-is-better", "--folds", "2", "--out", dir);
        Assert.True(ok.Exit == 0, ok.ToString());
        string[] set = ["oof.csv", "metrics.json", "outcome_model.json"];
        Assert.All(set, f => Assert.True(File.Exists(Path.Combine(dir, f))));

        AtomicFile.BeforeRenameForTests = DiskFullAt(failing);
        var r = CliRunner.Run("outcome-model", "--data", Data(), "--outcome-column", "y", "--higher-is-better", "--folds", "3", "--out", dir);
        AtomicFile.BeforeRenameForTests = null;
        Assert.True(r.Exit == 1, r.ToString());
        // neither the old set nor a part of the new one: no valid-looking model without its oof.csv and metrics.json
        Assert.All(set, f => Assert.False(File.Exists(Path.Combine(dir, f)), $"{f} was left\n{r}"));
        Assert.Empty(_ws.LeftoverTemporaries());
        var judge = CliRunner.Run("judge", "--a", Data(), "--b", Data(), "--out", _ws.Path("j"), "--judge", "outcome-model", "--outcome-model", dir, "--higher-is-better");
        Assert.Equal(2, judge.Exit);
    }

    // ── errors in the user's data are reported against the user's file (issue 14, item 8) ────────────────────────

    string Config(string dataPath, string extra = "") =>
        _ws.Text("p.json", $$"""
        { "out": "{{_ws.Path("run").Replace("\\", "\\\\")}}",
          "data": { "source": "file", "path": "{{dataPath.Replace("\\", "\\\\")}}", "text": "text", "outcome": "y", "direction": "higher"{{extra}} },
          "model": { "base": "micro" } }
        """);

    [Fact]
    public void PipelineReportsABadValueAgainstTheUsersFileAndRow()
    {
        var rows = Enumerable.Range(1, 12).Select(i => $"text number {i},{i % 4}").ToList();
        rows[6] = "text number 7,NaN";
        var f = _ws.Text("users.csv", "text,y\n" + string.Join("\n", rows) + "\n");
        var r = CliRunner.Run("pipeline", "--config", Config(f));
        Refusal.Assert(r, _ws, f, 7, "y", "Give a finite value");
        Assert.DoesNotContain("prepared.csv", r.Err);
    }

    [Fact]
    public void PipelineReportsAMisnamedColumnAgainstTheUsersFile()
    {
        var f = _ws.Text("users.csv", "text,Y\na,1\nb,2\nc,3\n");
        var r = CliRunner.Run("pipeline", "--config", Config(f));
        Refusal.Assert(r, _ws, f, 0, "y", "Did you mean 'Y'?");
        Assert.DoesNotContain("prepared.csv", r.Err);
    }

    [Fact]
    public void PipelineReportsTheOriginalRowAfterRowsAreDropped()
    {
        // the week exclusion drops rows 1-4; the bad outcome is on the user's row 6, the prepared file's row 2
        var lines = new List<string> { "text,y,week,test,impressions" };
        for (int i = 1; i <= 10; i++) lines.Add($"headline {i},{(i == 6 ? "lots" : (i % 3).ToString())},{(i <= 4 ? 201301 : 201310)},t{i % 3},{10 + i}");
        var f = _ws.Text("users.csv", string.Join("\n", lines) + "\n");
        var table = TableReader.Read(f);
        var (kept, _) = DesignPropensity.ExcludeWeeks(table, "week", "test", 201301, 201302);
        var e = Assert.Throws<InputException>(() => DirectOutcomeDataset.FromTable(kept, new DatasetSpec(f, "text") { OutcomeColumn = "y" }));
        Assert.Equal(6, e.Row);
        Assert.Equal(f, e.File);
        var capped = DesignPropensity.Cap(kept, 6, null, 3);
        var withLp = DesignPropensity.WithColumn(capped, "lp", Enumerable.Repeat(-1.0, capped.RowCount).ToArray());
        Assert.Equal(Enumerable.Range(0, withLp.RowCount).Select(i => capped.RowNumber(i)), Enumerable.Range(0, withLp.RowCount).Select(withLp.RowNumber));
        Assert.All(Enumerable.Range(0, withLp.RowCount), i => Assert.Equal(table.Get((int)withLp.RowNumber(i) - 1, "text"), withLp.Get(i, "text")));
    }

    // ── read-only output locations are refused before any work (issue 14, item 9) ─────────────────────────────────

    [ReadOnlyFolderFact]
    public void ScoreToAReadOnlyFolderIsRefusedBeforeLoading()
    {
        var o = Path.Combine(ReadOnlyFolderFactAttribute.Dir!, "scores.csv");
        var r = CliRunner.Run("score", "--data", Data(), "--model", _ws.Path("no-model"), "--out", o);
        Refusal.Assert(r, _ws, ReadOnlyFolderFactAttribute.Dir, null, null, "Choose a writable location");
        Assert.DoesNotContain("no-model", r.Err); // refused before the model was even looked for
        Assert.DoesNotContain(".tmp", r.Err);
    }

    [ReadOnlyFolderFact]
    public void GenerateToAReadOnlyFolderIsRefusedBeforeLoading()
    {
        var r = CliRunner.Run("generate", "--model", _ws.Path("no-model"), "--n", "3", "--out", Path.Combine(ReadOnlyFolderFactAttribute.Dir!, "g.csv"));
        Refusal.Assert(r, _ws, ReadOnlyFolderFactAttribute.Dir, null, null, "Choose a writable location");
        Assert.DoesNotContain(".tmp", r.Err);
    }

    [ReadOnlyFolderFact]
    public void SimulateToAReadOnlyFolderIsRefused()
    {
        var r = CliRunner.Run("simulate", "--n", "20", "--out", Path.Combine(ReadOnlyFolderFactAttribute.Dir!, "sim.csv"));
        Refusal.Assert(r, _ws, ReadOnlyFolderFactAttribute.Dir, null, null, "Choose a writable location");
        Assert.DoesNotContain(".tmp", r.Err);
    }

    [ReadOnlyFolderFact]
    public void SimulateScoresToAReadOnlyFolderAreRefused()
    {
        var r = CliRunner.Run("simulate", "--score", Data(), "--out", Path.Combine(ReadOnlyFolderFactAttribute.Dir!, "s.csv"));
        Refusal.Assert(r, _ws, ReadOnlyFolderFactAttribute.Dir, null, null, "Choose a writable location");
        Assert.Equal("", r.Out); // nothing was scored
    }

    [ReadOnlyFolderFact]
    public void SftIntoAReadOnlyFolderIsRefused()
    {
        var r = CliRunner.Run("sft", "--data", Data(), "--base", "micro", "--out", Path.Combine(ReadOnlyFolderFactAttribute.Dir!, "run"));
        Refusal.Assert(r, _ws, ReadOnlyFolderFactAttribute.Dir, null, null, "Choose a writable location");
    }
}

/// <summary>A fact that needs a folder no one (root included) can write into: /sys on Linux, where it is mounted
/// read-only; skipped with a message where there is none.</summary>
public sealed class ReadOnlyFolderFactAttribute : FactAttribute
{
    public static readonly string? Dir = Find();

    public ReadOnlyFolderFactAttribute()
    {
        if (Dir is null) Skip = "no read-only folder on this machine (/sys is absent or writable)";
    }

    static string? Find()
    {
        const string d = "/sys";
        if (!Directory.Exists(d)) return null;
        var probe = Path.Combine(d, $".causalpo-probe-{Guid.NewGuid():N}");
        try { File.WriteAllText(probe, ""); File.Delete(probe); return null; }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException) { return d; }
    }
}

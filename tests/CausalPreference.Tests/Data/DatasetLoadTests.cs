using CausalPreference.Data;

namespace CausalPreference.Tests.Data;

public sealed class DatasetLoadTests : IDisposable
{
    readonly TempFiles _tmp = new();
    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void LoadsAllRolesFromCsv()
    {
        var p = _tmp.Text("all.csv", "id,text,prompt,y,lp,w,g\n1,\"Hello, world\",Say hi,2.5,-1.25,2,A\n2,Bye,,-0.5,-3,0.5,B\n3,  spaced  ,Say hi,1e1,0,1,A\n");
        var ds = DirectOutcomeDataset.Load(new DatasetSpec(p, "text")
        { OutcomeColumn = "y", PromptColumn = "prompt", LogPropensityColumn = "lp", WeightColumn = "w", GroupColumn = "g" });
        Assert.Equal(3, ds.Rows.Count);
        Assert.Equal(OutcomeKind.Continuous, ds.Kind);
        Assert.True(ds.HasOutcome);
        var r0 = ds.Rows[0];
        Assert.Equal(0, r0.Index);
        Assert.Equal(1, r0.SourceRow);
        Assert.Equal("Hello, world", r0.Text);
        Assert.Equal("Say hi", r0.Prompt);
        Assert.Equal(2.5, r0.Outcome);
        Assert.Equal(-1.25, r0.LogPropensity);
        Assert.Equal(2.0, r0.Weight);
        Assert.Equal("A", r0.Group);
        Assert.Null(r0.Clicks);
        Assert.Equal("", ds.Rows[1].Prompt);
        Assert.Equal("  spaced  ", ds.Rows[2].Text); // text is kept verbatim
        Assert.Equal(10.0, ds.Rows[2].Outcome);
        Assert.Equal(0.0, ds.Rows[2].LogPropensity);
        Assert.Contains("3 rows", ds.Describe());
        Assert.Contains("2 groups", ds.Describe());
    }

    [Fact]
    public void BinomialOutcomeIsRateWeightedByImpressionsTimesWeight()
    {
        var p = _tmp.Text("b.csv", "h,c,m,w\na,3,40,1\nb,0,7,2.5\nc,5,5,1\n");
        var ds = DirectOutcomeDataset.Load(new DatasetSpec(p, "h") { ClicksColumn = "c", ImpressionsColumn = "m", WeightColumn = "w" });
        Assert.Equal(OutcomeKind.Binomial, ds.Kind);
        Assert.Equal(3.0 / 40.0, ds.Rows[0].Outcome);
        Assert.Equal(40.0, ds.Rows[0].Weight);
        Assert.Equal(0.0, ds.Rows[1].Outcome);
        Assert.Equal(7.0 * 2.5, ds.Rows[1].Weight);
        Assert.Equal(1.0, ds.Rows[2].Outcome);
        Assert.Equal(3.0, ds.Rows[0].Clicks);
        Assert.Equal(40.0, ds.Rows[0].Impressions);
    }

    [Fact]
    public void DirectionOrientsTheOutcome()
    {
        var p = _tmp.Text("o.csv", "text,y\na,2\nb,-3\nc,0\n");
        var up = DirectOutcomeDataset.Load(new DatasetSpec(p, "text") { OutcomeColumn = "y", HigherIsBetter = true });
        var down = DirectOutcomeDataset.Load(new DatasetSpec(p, "text") { OutcomeColumn = "y", HigherIsBetter = false });
        Assert.Equal(new[] { 2.0, -3.0, 0.0 }, up.Rows.Select(r => r.OrientedOutcome));
        Assert.Equal(new[] { -2.0, 3.0, 0.0 }, down.Rows.Select(r => r.OrientedOutcome));
        Assert.Equal(new[] { 2.0, -3.0, 0.0 }, down.Rows.Select(r => r.Outcome)); // raw outcome stays on the user's scale
        Assert.False(double.IsNegative(down.Rows[2].OrientedOutcome)); // +0, not -0
        Assert.NotEqual(up.Fingerprint(), down.Fingerprint());
    }

    [Theory]
    [InlineData("0\n1\n1\n0", OutcomeKind.Auto, OutcomeKind.Binary)]
    [InlineData("0.0\n1.0\n1\n0", OutcomeKind.Auto, OutcomeKind.Binary)]
    [InlineData("1\n2\n1\n2", OutcomeKind.Auto, OutcomeKind.Continuous)]
    [InlineData("0\n0.5\n1\n0", OutcomeKind.Auto, OutcomeKind.Continuous)]
    [InlineData("0\n1\n1\n0", OutcomeKind.Continuous, OutcomeKind.Continuous)]
    public void KindResolution(string ys, OutcomeKind asked, OutcomeKind resolved)
    {
        var lines = ys.Split('\n').Select((y, i) => $"t{i},{y}");
        var p = _tmp.Text($"k{Guid.NewGuid():N}.csv", "text,y\n" + string.Join("\n", lines) + "\n");
        var ds = DirectOutcomeDataset.Load(new DatasetSpec(p, "text") { OutcomeColumn = "y", Kind = asked });
        Assert.Equal(resolved, ds.Kind);
    }

    [Fact]
    public void JsonLinesBooleanAndNumericOutcomes()
    {
        var p = _tmp.Text("j.jsonl", "{\"text\":\"a\",\"y\":true}\n{\"text\":\"b\",\"y\":false}\n{\"text\":\"c\",\"y\":1}\n");
        var ds = DirectOutcomeDataset.Load(new DatasetSpec(p, "text") { OutcomeColumn = "y" });
        Assert.Equal(new[] { 1.0, 0.0, 1.0 }, ds.Rows.Select(r => r.Outcome));
        Assert.Equal(OutcomeKind.Binary, ds.Kind);
    }

    [Fact]
    public void TextOnlySpecLoadsWithoutOutcome()
    {
        var p = _tmp.Text("t.csv", "text\nonly text\nmore text\n");
        var ds = DirectOutcomeDataset.Load(new DatasetSpec(p, "text") { RequireOutcome = false });
        Assert.False(ds.HasOutcome);
        Assert.Equal(OutcomeKind.Auto, ds.Kind);
        Assert.All(ds.Rows, r => Assert.True(double.IsNaN(r.Outcome)));
        Assert.Equal("more text", ds.Rows[1].Text);
    }

    [Fact]
    public void FromTableValidatesInMemoryTables()
    {
        var t = new Table("mem", new[] { "text", "y" }, new[] { new string?[] { "a", "1" }, new string?[] { "b", "0" } });
        var ds = DirectOutcomeDataset.FromTable(t, new DatasetSpec("mem", "text") { OutcomeColumn = "y" });
        Assert.Equal(OutcomeKind.Binary, ds.Kind);
    }
}

using CausalPreference.Data;
using Xunit.Abstractions;

namespace CausalPreference.Tests.Data;

/// <summary>Loads the real data files in ../shared/data; returns early (with a message) where that folder is absent.</summary>
public sealed class SharedDataTests(ITestOutputHelper output)
{
    [SharedDataFact("upworthy_headlines_2013_2014.csv")]
    public void UpworthyLoadsAsBinomialAndGroupSplitKeepsTestsTogether()
    {
        var path = TestData.File("upworthy_headlines_2013_2014.csv")!;
        var ds = DirectOutcomeDataset.Load(new DatasetSpec(path, "headline")
        { ClicksColumn = "clicks", ImpressionsColumn = "impressions", GroupColumn = "test_id" });
        output.WriteLine(ds.Describe());
        Assert.Equal(7543, ds.Rows.Count);
        Assert.Equal(1642, ds.Rows.Select(r => r.Group).Distinct().Count());
        Assert.Equal(OutcomeKind.Binomial, ds.Kind);
        Assert.All(ds.Rows, r => Assert.Equal(r.Clicks!.Value / r.Impressions!.Value, r.Outcome));
        var (train, val) = ds.Split(0.2);
        var trainTests = train.Rows.Select(r => r.Group).ToHashSet();
        Assert.DoesNotContain(val.Rows, r => trainTests.Contains(r.Group));
        Assert.Equal(ds.Rows.Count, train.Rows.Count + val.Rows.Count);
        Assert.InRange(val.Rows.Count, 1509, 1600); // round(0.2 * 7543) = 1509, overshoot by less than one test's arms
    }

    [SharedDataFact("emobank_reader.csv")]
    public void EmoBankLoadsEveryRow()
    {
        var path = TestData.File("emobank_reader.csv")!;
        var ds = DirectOutcomeDataset.Load(new DatasetSpec(path, "text") { OutcomeColumn = "V" });
        output.WriteLine(ds.Describe());
        Assert.Equal(10325, ds.Rows.Count);
        Assert.Equal(OutcomeKind.Continuous, ds.Kind);
        Assert.All(ds.Rows, r => Assert.InRange(r.Outcome, 1.0, 5.0));
        Assert.Equal("Remember what she said in my last letter? \"", ds.Rows[0].Text);
    }
}

using System.Text;
using CausalPreference.Data;
using CausalPreference.IO;

namespace CausalPreference.Tests.Data;

public sealed class SplitAndFingerprintTests : IDisposable
{
    readonly TempFiles _tmp = new();
    public void Dispose() => _tmp.Dispose();

    DirectOutcomeDataset Make(int n, Func<int, string>? group = null, Func<int, string>? y = null, string name = "s.csv")
    {
        var sb = new StringBuilder(group == null ? "text,y\n" : "text,y,g\n");
        for (int i = 0; i < n; i++)
        {
            sb.Append($"text {i},{(y ?? (k => (k % 7).ToString()))(i)}");
            if (group != null) sb.Append(',').Append(group(i));
            sb.Append('\n');
        }
        var p = _tmp.Text(name, sb.ToString());
        return DirectOutcomeDataset.Load(new DatasetSpec(p, "text") { OutcomeColumn = "y", GroupColumn = group == null ? null : "g" });
    }

    static int[] Ix(DirectOutcomeDataset d) => d.Rows.Select(r => r.Index).ToArray();

    [Fact]
    public void RowSplitIsDeterministicPartitionsAndHasTheRequestedSize()
    {
        var ds = Make(50);
        var (tr, va) = ds.Split(0.2);
        var (tr2, va2) = ds.Split(0.2);
        Assert.Equal(Ix(va), Ix(va2));
        Assert.Equal(Ix(tr), Ix(tr2));
        Assert.Equal(10, va.Rows.Count);
        Assert.Equal(40, tr.Rows.Count);
        Assert.Equal(Enumerable.Range(0, 50), Ix(tr).Concat(Ix(va)).Order());
        Assert.Equal(Ix(va).Order(), Ix(va)); // file order kept
        Assert.NotEqual(Enumerable.Range(0, 10), Ix(va)); // it is a shuffle, not the first rows
        var (_, va3) = ds.Split(0.2, seed: 7);
        Assert.NotEqual(Ix(va), Ix(va3));
        Assert.Equal(ds.Kind, va.Kind);
        Assert.Same(ds.Spec, tr.Spec);
        Assert.All(va.Rows, r => Assert.Equal($"text {r.Index}", r.Text)); // Index joins back to the file
    }

    [Fact]
    public void RowSplitKeepsBothSidesNonEmptyForExtremeFractions()
    {
        var ds = Make(3);
        Assert.Single(ds.Split(0.01).Validation.Rows);
        Assert.Single(ds.Split(0.99).Train.Rows);
    }

    [Fact]
    public void GroupSplitKeepsEachGroupOnOneSide()
    {
        var sizes = new[] { 1, 5, 2, 8, 3, 3, 1, 4, 6, 2, 7, 1, 2, 3, 2 };
        var groupOf = sizes.SelectMany((s, g) => Enumerable.Repeat($"grp{g}", s)).ToArray();
        var ds = Make(groupOf.Length, i => groupOf[i]);
        var (tr, va) = ds.Split(0.25);
        var trainGroups = tr.Rows.Select(r => r.Group).ToHashSet();
        var valGroups = va.Rows.Select(r => r.Group).ToHashSet();
        Assert.Empty(trainGroups.Intersect(valGroups));
        Assert.NotEmpty(tr.Rows);
        Assert.NotEmpty(va.Rows);
        Assert.Equal(groupOf.Length, tr.Rows.Count + va.Rows.Count);
        // Whole groups are added until the target (round(0.25 * 50) = 13) is reached: at least 13, and fewer than 13 + the largest group.
        Assert.InRange(va.Rows.Count, 13, 13 + sizes.Max() - 1);
        var (tr2, va2) = ds.Split(0.25);
        Assert.Equal(Ix(va), Ix(va2));
    }

    [Fact]
    public void GroupSplitIsIndependentOfRowOrder()
    {
        var a = Make(40, i => $"g{i % 10}", name: "a.csv");
        var b = Make(40, i => $"g{(39 - i) % 10}", name: "b.csv");
        var va = a.Split(0.3).Validation.Rows.Select(r => r.Group).ToHashSet();
        var vb = b.Split(0.3).Validation.Rows.Select(r => r.Group).ToHashSet();
        Assert.Equal(va.Order(), vb.Order());
    }

    [Fact]
    public void GroupSplitWithOneGroupRefused()
    {
        var ds = Make(6, _ => "only");
        var e = Assert.Throws<InputException>(() => ds.Split(0.5));
        Assert.Contains("one group", e.Message);
        Assert.Equal("g", e.Column);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void SplitFractionOutOfRangeRefused(double f)
    {
        Assert.Throws<InputException>(() => Make(10).Split(f));
    }

    [Fact]
    public void SubsetTakesPositionsAndKeepsIndex()
    {
        var ds = Make(10);
        var (tr, _) = ds.Split(0.3);
        var sub = tr.Subset(new[] { 3, 0 });
        Assert.Equal(new[] { tr.Rows[3].Index, tr.Rows[0].Index }, Ix(sub));
        Assert.Throws<ArgumentOutOfRangeException>(() => tr.Subset(new[] { tr.Rows.Count }));
        Assert.Throws<ArgumentException>(() => tr.Subset(new[] { 1, 1 }));
    }

    [Fact]
    public void FingerprintIsStableAndChangesWithContent()
    {
        var a = Make(5, name: "a.csv");
        var a2 = Make(5, name: "a2.csv"); // same content, other path
        Assert.Equal(a.Fingerprint(), a.Fingerprint());
        Assert.Equal(a.Fingerprint(), a2.Fingerprint());
        Assert.Matches("^[0-9a-f]{64}$", a.Fingerprint());
        var changedValue = Make(5, y: i => i == 3 ? "3.0000001" : (i % 7).ToString(), name: "c.csv");
        Assert.NotEqual(a.Fingerprint(), changedValue.Fingerprint());
        Assert.NotEqual(a.Fingerprint(), a.Subset(new[] { 1, 0, 2, 3, 4 }).Fingerprint()); // order matters
        var withGroups = Make(5, i => "g" + i, name: "g.csv");
        Assert.NotEqual(a.Fingerprint(), withGroups.Fingerprint());
    }

    [Fact]
    public void FingerprintChangesWhenTextChanges()
    {
        var p1 = _tmp.Text("t1.csv", "text,y\nab,1\nc,0\n");
        var p2 = _tmp.Text("t2.csv", "text,y\na,1\nbc,0\n"); // same concatenation, different split between rows
        var s1 = DirectOutcomeDataset.Load(new DatasetSpec(p1, "text") { OutcomeColumn = "y" });
        var s2 = DirectOutcomeDataset.Load(new DatasetSpec(p2, "text") { OutcomeColumn = "y" });
        Assert.NotEqual(s1.Fingerprint(), s2.Fingerprint());
    }
}

using CausalPreference.Evaluation.Judging;

namespace CausalPreference.Tests.Evaluation.Judging;

public class PairwiseEvaluationTests
{
    /// <summary>Prefers the text containing "good"; neither or both → an unparsable answer. Counts calls.</summary>
    sealed class KeywordJudge : IPairJudge
    {
        public int Calls;
        public string Name => "keyword";
        public string Configuration => "good";
        public Task<JudgeVerdict> JudgeAsync(JudgePair pair, CancellationToken ct = default)
        {
            Interlocked.Increment(ref Calls);
            bool a = pair.TextA.Contains("good"), b = pair.TextB.Contains("good");
            var raw = a == b ? "I cannot decide" : $"Comparison: x\nPreferred: {(a ? "A" : "B")}";
            return Task.FromResult(VerdictParser.Parse(raw));
        }
    }

    [Theory]
    [InlineData(2000)]
    [InlineData(7)]
    [InlineData(1)]
    [InlineData(0)]
    public void BalancedOrderPutsTheMethodFirstInExactlyHalf(int n)
    {
        var order = PairwiseEvaluation.BalancedOrder(n);
        Assert.Equal(n, order.Length);
        Assert.Equal(n / 2, order.Count(x => x));
        Assert.Equal(order, PairwiseEvaluation.BalancedOrder(n));
        if (n == 2000)
        {
            Assert.NotEqual(order, PairwiseEvaluation.BalancedOrder(n, seed: 1));
            Assert.InRange(order.Take(1000).Count(x => x), 400, 600); // shuffled, not the first half
        }
    }

    static List<(string?, string, string)> Items(int n, Func<int, (string, string)> make) =>
        Enumerable.Range(0, n).Select(i => { var (m, b) = make(i); return ((string?)$"prompt {i}", m, b); }).ToList();

    [Fact]
    public async Task MapsVerdictsBackToTheMethodWhateverItsPosition()
    {
        // Method texts are good in items 0..29, baseline good in 30..39, neither in 40..43 (invalid).
        var items = Items(44, i => i < 30 ? ($"good m{i}", $"b{i}") : i < 40 ? ($"m{i}", $"good b{i}") : ($"m{i}", $"b{i}"));
        var judge = new KeywordJudge();
        var r = await PairwiseEvaluation.RunAsync(judge, items, concurrency: 3);
        Assert.Equal(22, r.MethodAsA);
        Assert.Equal(30, r.WinRate.Wins);
        Assert.Equal(40, r.WinRate.Valid);
        Assert.Equal(4, r.WinRate.Invalid);
        Assert.Equal(0.75, r.WinRate.Rate, 12);
        for (int i = 0; i < items.Count; i++)
        {
            var p = r.Pairs[i];
            Assert.Equal(i, p.Index);
            Assert.Equal(items[i].Item2, p.MethodText);
            var expected = i < 30 ? Judgment.Win : i < 40 ? Judgment.Loss : Judgment.Invalid;
            Assert.Equal(expected, p.Outcome);
            if (expected != Judgment.Invalid) Assert.Equal(p.MethodIsA == (expected == Judgment.Win) ? PairChoice.A : PairChoice.B, p.Preferred);
        }
        Assert.Equal(44, judge.Calls);
    }

    [Fact]
    public async Task CacheResumesWithoutAskingAgainAndSurvivesATornLine()
    {
        var dir = Directory.CreateTempSubdirectory("cp-cache-");
        try
        {
            var cache = Path.Combine(dir.FullName, "cache.jsonl");
            var items = Items(20, i => i % 3 == 0 ? ($"good {i}", $"x {i}") : ($"y {i}", $"good {i}"));
            var j1 = new KeywordJudge();
            var first = await PairwiseEvaluation.RunAsync(j1, items.Take(12).ToList(), cacheFile: cache);
            Assert.Equal(12, j1.Calls);
            Assert.Equal(12, File.ReadAllLines(cache).Length);

            // Simulate a crash mid-write: a torn last line.
            File.AppendAllText(cache, "{\"key\":\"abc\",\"pref");
            var j2 = new KeywordJudge();
            var all = await PairwiseEvaluation.RunAsync(j2, items, cacheFile: cache);
            Assert.Equal(1, all.CacheLinesSkipped);
            Assert.Equal(20 - 12 + CountReplacedOrder(items), j2.Calls);
            Assert.Equal(20, all.Pairs.Count);

            var j3 = new KeywordJudge();
            var again = await PairwiseEvaluation.RunAsync(j3, items, cacheFile: cache);
            Assert.Equal(0, j3.Calls);
            Assert.Equal(20, again.FromCache);
            Assert.Equal(all.WinRate, again.WinRate);
            Assert.Equal(1, again.CacheLinesSkipped); // the torn line stays, on its own line, and is skipped again

            // A different judge configuration is a different key: asks again.
            var other = new OutcomeModelJudge(t => t.Select(x => (double)x.Length).ToArray(), true, "len");
            var r = await PairwiseEvaluation.RunAsync(other, items, cacheFile: cache);
            Assert.Equal(0, r.FromCache);
        }
        finally { dir.Delete(true); }
    }

    /// <summary>
    /// The first run saw only 12 items, so its balanced order differs from the 20-item run's order for some items;
    /// those pairs are shown the other way round and are new to the cache. Counted independently of the code under test
    /// by comparing the two orders.
    /// </summary>
    static int CountReplacedOrder(List<(string?, string, string)> items)
    {
        var o12 = PairwiseEvaluation.BalancedOrder(12);
        var o20 = PairwiseEvaluation.BalancedOrder(20);
        return Enumerable.Range(0, 12).Count(i => o12[i] != o20[i]);
    }

    [Fact]
    public async Task ResultsAreWrittenAsJsonAndJsonl()
    {
        var dir = Directory.CreateTempSubdirectory("cp-out-");
        try
        {
            var items = Items(6, i => ($"good {i}", $"b {i}"));
            var r = await PairwiseEvaluation.RunAsync(new KeywordJudge(), items);
            var jl = Path.Combine(dir.FullName, "j.jsonl");
            var js = Path.Combine(dir.FullName, "w.json");
            r.WriteJudgmentsJsonl(jl);
            r.WriteSummaryJson(js, new Dictionary<string, string> { ["method"] = "M" });
            var lines = File.ReadAllLines(jl);
            Assert.Equal(6, lines.Length);
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(js));
            Assert.Equal("M", doc.RootElement.GetProperty("method").GetString());
            var w = doc.RootElement.GetProperty("win_rate");
            Assert.Equal(1.0, w.GetProperty("rate").GetDouble());
            Assert.Equal(6, w.GetProperty("wins").GetInt32());
            Assert.Equal(0, w.GetProperty("invalid").GetInt32());
            Assert.True(w.GetProperty("significant").GetBoolean());
        }
        finally { dir.Delete(true); }
    }
}

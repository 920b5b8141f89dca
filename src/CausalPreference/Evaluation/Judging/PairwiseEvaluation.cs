namespace CausalPreference.Evaluation.Judging;

/// <summary>
/// Pairwise evaluation of a method against a baseline by a judge (docs/math.md#judging): the method is text A in exactly
/// ⌊N/2⌋ pairs (a balanced list shuffled with the seed, 231218 in the paper), pairs are judged concurrently, every
/// judgment is cached (append-only JSONL) so an interrupted run resumes, and verdicts are mapped back to method win/loss.
/// </summary>
public static class PairwiseEvaluation
{
    /// <summary>The paper's A/B shuffle seed.</summary>
    public const int DefaultSeed = 231218;

    /// <summary>
    /// Which pairs show the method as A: exactly ⌊n/2⌋ true values, Fisher–Yates shuffled with <see cref="Random"/>(seed)
    /// (seeded <see cref="Random"/> is stable across .NET versions).
    /// </summary>
    public static bool[] BalancedOrder(int n, int seed = DefaultSeed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var order = new bool[n];
        for (int i = 0; i < n / 2; i++) order[i] = true;
        var rng = new Random(seed);
        for (int i = n - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>
    /// Judges every (prompt, method text, baseline text) item and returns the method's win rate and per-pair records.
    /// </summary>
    /// <param name="judge">The judge (its <see cref="IPairJudge.Configuration"/> keys the cache).</param>
    /// <param name="items">The pairs, in a fixed order (the order decides A/B placement together with the seed).</param>
    /// <param name="seed">A/B shuffle seed.</param>
    /// <param name="cacheFile">Append-only JSONL judgment cache; null keeps judgments in memory only.</param>
    /// <param name="progress">Reports after each pair.</param>
    /// <param name="concurrency">Pairs judged at once (the judge may limit further).</param>
    /// <param name="ct">Cancels the run; judgments already made stay in the cache.</param>
    public static async Task<PairwiseResult> RunAsync(
        IPairJudge judge,
        IReadOnlyList<(string? Prompt, string MethodText, string BaselineText)> items,
        int seed = DefaultSeed,
        string? cacheFile = null,
        IProgress<PairwiseProgress>? progress = null,
        int concurrency = 4,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(judge);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        for (int i = 0; i < items.Count; i++)
            if (items[i].MethodText is null || items[i].BaselineText is null)
                throw new ArgumentException($"item {i} has a null text", nameof(items));

        var methodIsA = BalancedOrder(items.Count, seed);
        var records = new PairRecord[items.Count];
        int completed = 0, fromCache = 0, invalid = 0;
        using var cache = cacheFile == null ? JudgeCache.InMemory() : JudgeCache.Open(cacheFile);

        await Parallel.ForEachAsync(Enumerable.Range(0, items.Count),
            new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct },
            async (i, token) =>
            {
                var (prompt, method, baseline) = items[i];
                bool a = methodIsA[i];
                var pair = new JudgePair($"pair-{i}", prompt, a ? method : baseline, a ? baseline : method);
                var key = JudgeCache.Key(judge, pair);
                bool hit = cache.TryGet(key, out var verdict);
                if (!hit)
                {
                    verdict = await judge.JudgeAsync(pair, token).ConfigureAwait(false)
                              ?? throw new InvalidOperationException($"judge '{judge.Name}' returned no verdict for {pair.Id}");
                    cache.Add(key, judge.Name, verdict);
                }
                var outcome = verdict.Preferred switch
                {
                    PairChoice.A => a ? Judgment.Win : Judgment.Loss,
                    PairChoice.B => a ? Judgment.Loss : Judgment.Win,
                    _ => Judgment.Invalid,
                };
                records[i] = new PairRecord(i, pair.Id, prompt, method, baseline, a, verdict.Preferred, outcome, verdict.Reason, verdict.RawResponse, hit);
                int done = Interlocked.Increment(ref completed);
                int cached = hit ? Interlocked.Increment(ref fromCache) : Volatile.Read(ref fromCache);
                int inv = outcome == Judgment.Invalid ? Interlocked.Increment(ref invalid) : Volatile.Read(ref invalid);
                progress?.Report(new PairwiseProgress(done, items.Count, cached, inv));
            }).ConfigureAwait(false);

        return new PairwiseResult(judge.Name, seed, WinRate.Compute(records.Select(r => r.Outcome)), records,
            records.Count(r => r.FromCache), cache.SkippedLines);
    }
}

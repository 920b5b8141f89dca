using CausalPreference.IO;
using CausalPreference.Reporting;

namespace CausalPreference.Evaluation.Judging;

/// <summary>Ratings of items by raters (a long table: item, rater, label), e.g. a survey plus an LLM judge as another rater.</summary>
public sealed class RatingSet
{
    readonly List<Rating> _ratings;

    /// <summary>Builds a set; a rater may rate an item only once.</summary>
    public RatingSet(IEnumerable<Rating> ratings)
    {
        ArgumentNullException.ThrowIfNull(ratings);
        _ratings = ratings.ToList();
        var seen = new HashSet<(string, string)>();
        foreach (var r in _ratings)
            if (!seen.Add((r.Item, r.Rater)))
                throw new InputException($"rater '{r.Rater}' rated item '{r.Item}' more than once. Keep one rating per rater and item.");
    }

    /// <summary>The ratings in input order.</summary>
    public IReadOnlyList<Rating> Ratings => _ratings;

    /// <summary>Reads a CSV with columns item, rater, label (header names case-insensitive; other columns ignored).</summary>
    public static RatingSet Load(string csvPath)
    {
        var (header, rows) = SimpleCsv.ReadFile(csvPath);
        const string hint = "The ratings file needs the columns item, rater, label.";
        int ci = SimpleCsv.RequireColumn(header, "item", csvPath, hint);
        int cr = SimpleCsv.RequireColumn(header, "rater", csvPath, hint);
        int cl = SimpleCsv.RequireColumn(header, "label", csvPath, hint);
        var list = new List<Rating>(rows.Count);
        var seen = new HashSet<(string, string)>();
        for (int i = 0; i < rows.Count; i++)
        {
            var (item, rater, label) = (rows[i][ci].Trim(), rows[i][cr].Trim(), rows[i][cl].Trim());
            if (item.Length == 0 || rater.Length == 0 || label.Length == 0)
                throw new InputException("has an empty item, rater or label. Remove the row or fill it in.", csvPath, row: i + 1);
            if (!seen.Add((item, rater)))
                throw new InputException($"rater '{rater}' rated item '{item}' again. Keep one rating per rater and item.", csvPath, row: i + 1);
            list.Add(new Rating(item, rater, label));
        }
        if (list.Count == 0) throw new InputException("has no ratings.", csvPath);
        return new RatingSet(list);
    }

    /// <summary>Labels per item, items in first-appearance order.</summary>
    public List<(string Item, List<string> Labels)> ByItem()
    {
        var order = new List<string>();
        var map = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var r in _ratings)
        {
            if (!map.TryGetValue(r.Item, out var l)) { map[r.Item] = l = []; order.Add(r.Item); }
            l.Add(r.Label);
        }
        return order.Select(i => (i, map[i])).ToList();
    }

    /// <summary>Fleiss' κ (any number of raters per item), and φ when exactly two raters used at most two labels.</summary>
    public AgreementReport Compute()
    {
        var byItem = ByItem();
        var raters = _ratings.Select(r => r.Rater).Distinct(StringComparer.Ordinal).OrderBy(r => r, StringComparer.Ordinal).ToList();
        var labels = _ratings.Select(r => r.Label).Distinct(StringComparer.Ordinal).OrderBy(l => l, StringComparer.Ordinal).ToList();
        double kappa = Agreement.FleissKappa(byItem.Select(x => x.Labels));
        double? phi = null; int? phiItems = null;
        if (raters.Count == 2 && labels.Count <= 2)
        {
            // φ is unchanged when both raters' labels are swapped, so which label counts as "1" does not matter.
            string one = labels[^1];
            var first = _ratings.Where(r => r.Rater == raters[0]).ToDictionary(r => r.Item, r => r.Label == one, StringComparer.Ordinal);
            var second = _ratings.Where(r => r.Rater == raters[1]).ToDictionary(r => r.Item, r => r.Label == one, StringComparer.Ordinal);
            var both = first.Keys.Where(second.ContainsKey).ToList();
            phi = Agreement.Phi(both.Select(k => first[k]).ToList(), both.Select(k => second[k]).ToList());
            phiItems = both.Count;
        }
        return new AgreementReport(byItem.Count, raters.Count, labels, _ratings.Count, kappa, phi, phiItems);
    }
}

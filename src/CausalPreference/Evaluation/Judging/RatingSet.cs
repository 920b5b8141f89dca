using CausalPreference.Data;
using CausalPreference.IO;

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

    /// <summary>Reads a table (any format <see cref="TableReader"/> reads) with columns item, rater, label (header names
    /// case-insensitive; other columns ignored).</summary>
    public static RatingSet Load(string csvPath)
    {
        var table = TableReader.Read(csvPath);
        const string hint = "The ratings file needs the columns item, rater, label.";
        int ci = RequireColumn(table, "item", hint);
        int cr = RequireColumn(table, "rater", hint);
        int cl = RequireColumn(table, "label", hint);
        var list = new List<Rating>(table.RowCount);
        var seen = new HashSet<(string, string)>();
        for (int i = 0; i < table.RowCount; i++)
        {
            var (item, rater, label) = ((table.Get(i, ci) ?? "").Trim(), (table.Get(i, cr) ?? "").Trim(), (table.Get(i, cl) ?? "").Trim());
            if (item.Length == 0 || rater.Length == 0 || label.Length == 0)
                throw new InputException("has an empty item, rater or label. Remove the row or fill it in.", csvPath, row: table.RowNumber(i));
            if (!seen.Add((item, rater)))
                throw new InputException($"rater '{rater}' rated item '{item}' again. Keep one rating per rater and item.", csvPath, row: table.RowNumber(i));
            list.Add(new Rating(item, rater, label));
        }
        if (list.Count == 0) throw new InputException("has no ratings.", csvPath);
        return new RatingSet(list);
    }

    /// <summary>Index of a required column (exact match first, then case-insensitive and trimmed), or an
    /// <see cref="InputException"/> listing the available ones.</summary>
    static int RequireColumn(Table table, string name, string hint)
    {
        int i = table.IndexOf(name);
        if (i < 0)
        {
            var columns = table.Columns.ToList();
            i = columns.FindIndex(h => string.Equals(h.Trim(), name, StringComparison.OrdinalIgnoreCase));
        }
        if (i < 0)
            throw new InputException($"has no column '{name}' (columns: {string.Join(", ", table.Columns)}). {hint}", table.Path, column: name);
        return i;
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

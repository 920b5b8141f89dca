using System.Globalization;
using System.Text;
using CausalPreference.Data;
using CausalPreference.IO;

namespace CausalPreference.Text;

/// <summary>
/// The share of generated words that occur in the training texts: does a model write words of its training vocabulary,
/// or invent pseudo-words? A word is a maximal run of letters, digits, combining marks and apostrophes (' or ’), with
/// apostrophes at its ends removed ("'Hello'" → hello; a run of apostrophes alone is no word), compared lowercased
/// (invariant culture) with ’ read as '. "Don’t stop: 3D-printed CATS!" has the words don't, stop, 3d, printed, cats.
/// Every occurrence counts: a sample that repeats a novel word five times contributes five uncovered words.
/// </summary>
public sealed record WordCoverage(int Words, int Covered, int DistinctWords, IReadOnlyList<(string Word, int Count)> Novel)
{
    /// <summary>Covered / Words; NaN when the samples hold no words.</summary>
    public double Share => Words == 0 ? double.NaN : Covered / (double)Words;

    /// <summary>The words of <paramref name="text"/>, lowercased, in order.</summary>
    public static IEnumerable<string> WordsOf(string text)
    {
        var sb = new StringBuilder();
        foreach (var raw in (text + " ").EnumerateRunes())
        {
            var r = raw.Value == '\u2019' ? new Rune('\'') : raw;
            if (Rune.IsLetterOrDigit(r) || r.Value == '\'' || Rune.GetUnicodeCategory(r) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark)
            { sb.Append(r.ToString()); continue; }
            if (sb.Length == 0) continue;
            var w = sb.ToString().Trim('\'');
            sb.Clear();
            if (w.Length > 0) yield return w.ToLowerInvariant();
        }
    }

    /// <summary>Measures the words of <paramref name="generated"/> against the vocabulary of <paramref name="training"/>.</summary>
    public static WordCoverage Measure(IEnumerable<string> generated, IEnumerable<string> training)
    {
        var known = new HashSet<string>(training.SelectMany(WordsOf), StringComparer.Ordinal);
        int words = 0, covered = 0;
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        var novel = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var w in generated.SelectMany(WordsOf))
        {
            words++;
            distinct.Add(w);
            if (known.Contains(w)) covered++;
            else novel[w] = novel.GetValueOrDefault(w) + 1;
        }
        var list = novel.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value)).ToList();
        return new WordCoverage(words, covered, distinct.Count, list);
    }

    /// <summary>The texts of one column of a table (.csv, .tsv, .jsonl, .parquet); empty cells count as empty texts.</summary>
    public static IReadOnlyList<string> ReadColumn(string path, string column)
    {
        var t = TableReader.Read(path);
        if (!t.HasColumn(column))
            throw new InputException($"there is no column '{column}' (columns: {string.Join(", ", t.Columns)}); name the text column", path, column: column);
        int c = t.IndexOf(column);
        return Enumerable.Range(0, t.RowCount).Select(r => t.Get(r, c) ?? "").ToArray();
    }

    /// <summary>One line: "word coverage: 97.3% of 1,234 generated words occur in the training texts (…)".</summary>
    public string Summary(int examples = 10) => Words == 0
        ? "word coverage: the samples hold no words"
        : $"word coverage: {Share.ToString("0.0%", CultureInfo.InvariantCulture)} of {Words.ToString("N0", CultureInfo.InvariantCulture)} generated words occur in the training texts " +
          $"({DistinctWords.ToString("N0", CultureInfo.InvariantCulture)} distinct, {Novel.Count.ToString("N0", CultureInfo.InvariantCulture)} of them novel" +
          (Novel.Count == 0 ? ")" : $": {string.Join(", ", Novel.Take(examples).Select(n => n.Count > 1 ? $"{n.Word} ×{n.Count}" : n.Word))}{(Novel.Count > examples ? ", …" : "")})");
}

using CausalPreference.Data;
using CausalPreference.Text;

namespace CausalPreference.Models;

/// <summary>
/// Which rows do not fit the model's context (BOS + prompt + text + EOS longer than the context length). Such a row is
/// scored and trained on a prefix: its log-probability is that of the prefix, not of the text, so FT learns a prefix
/// and a causal objective weights the row by the wrong ratio. Nothing is dropped; the commands say how many rows and
/// which, so that the user can shorten the texts or choose a model with a longer context.
/// </summary>
public static class ContextFit
{
    /// <summary>Indices (into <paramref name="rows"/>) of the rows whose tokens exceed <paramref name="contextLength"/>.</summary>
    public static int[] Overlong(ITokenizer tok, IReadOnlyList<OutcomeRow> rows, int contextLength) =>
        Enumerable.Range(0, rows.Count).Where(i =>
        {
            var r = rows[i];
            int promptTokens = r.Prompt is { Length: > 0 } p ? tok.Encode(p).Length : 0;
            return 2 + promptTokens + tok.Encode(r.Text).Length > contextLength;
        }).ToArray();

    /// <summary>A warning naming the file, the count and the first rows that do not fit, or null when all fit.</summary>
    public static string? Warning(ITokenizer tok, IReadOnlyList<OutcomeRow> rows, int contextLength, string file, string consequence)
    {
        var over = Overlong(tok, rows, contextLength);
        if (over.Length == 0) return null;
        var first = string.Join(", ", over.Take(5).Select(i => rows[i].SourceRow));
        return $"warning: {over.Length} of {rows.Count} rows of {file} are longer than the model's context of {contextLength} tokens " +
               $"(rows {first}{(over.Length > 5 ? ", …" : "")}); {consequence}. Shorten those texts or use a model with a longer context.";
    }
}

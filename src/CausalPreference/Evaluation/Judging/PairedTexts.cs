using CausalPreference.Data;
using CausalPreference.IO;

namespace CausalPreference.Evaluation.Judging;

/// <summary>
/// Pairs the texts of two tables row by row (row i of A with row i of B), for <c>causalpo judge</c>.
/// A is the method, B the baseline. The prompt comes from A's prompt column, else B's; when both have one they must
/// agree row by row (otherwise the rows are not paired). Both files are read by the project's one table reader
/// (<see cref="TableReader"/>: CSV, TSV, JSON Lines or Parquet by extension) and checked by its one validator
/// (<see cref="DatasetValidator"/>): an empty text, invalid UTF-8 or a duplicated column is refused, never judged.
/// </summary>
public static class PairedTexts
{
    /// <summary>Reads both files; throws <see cref="InputException"/> naming the file, row and column of any problem.</summary>
    public static List<(string? Prompt, string MethodText, string BaselineText)> Load(
        string methodCsv, string baselineCsv, string textColumn = "text", string? promptColumn = null)
    {
        var ta = TableReader.Read(methodCsv);
        var tb = TableReader.Read(baselineCsv);
        if (promptColumn != null && !ta.HasColumn(promptColumn) && !tb.HasColumn(promptColumn))
            throw new InputException($"neither {methodCsv} nor {baselineCsv} has the prompt column '{promptColumn}' (columns of A: {string.Join(", ", ta.Columns)}). Fix `prompt_column` or leave it out.", column: promptColumn);
        var a = Validate(ta, methodCsv, textColumn, promptColumn);
        var b = Validate(tb, baselineCsv, textColumn, promptColumn);
        if (a.Rows.Count != b.Rows.Count)
            throw new InputException($"{methodCsv} has {a.Rows.Count} data rows but {baselineCsv} has {b.Rows.Count}. Rows are paired by order, so both files need the same number of rows.");
        bool pa = a.Spec.PromptColumn != null, pb = b.Spec.PromptColumn != null;
        var items = new List<(string?, string, string)>(a.Rows.Count);
        for (int i = 0; i < a.Rows.Count; i++)
        {
            string? prompt = pa ? a.Rows[i].Prompt ?? "" : pb ? b.Rows[i].Prompt ?? "" : null;
            if (pa && pb && !string.Equals(a.Rows[i].Prompt ?? "", b.Rows[i].Prompt ?? "", StringComparison.Ordinal))
                throw new InputException($"the prompt differs between {methodCsv} and {baselineCsv}. Rows are paired by order; sort both files the same way.", baselineCsv, row: i + 1, column: promptColumn);
            items.Add((prompt, a.Rows[i].Text, b.Rows[i].Text));
        }
        return items;
    }

    static DirectOutcomeDataset Validate(Table t, string path, string textColumn, string? promptColumn) =>
        DirectOutcomeDataset.FromTable(t, new DatasetSpec(path, textColumn)
        {
            PromptColumn = promptColumn != null && t.HasColumn(promptColumn) ? promptColumn : null,
            RequireOutcome = false,
            MinRows = 1,
        });
}

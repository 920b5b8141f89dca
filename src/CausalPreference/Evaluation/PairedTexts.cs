using CausalPreference.IO;

namespace CausalPreference.Evaluation;

/// <summary>
/// Pairs the texts of two CSV files row by row (row i of A with row i of B), for <c>causalpo judge</c>.
/// A is the method, B the baseline. The prompt comes from A's prompt column, else B's; when both have one they must
/// agree row by row (otherwise the rows are not paired).
/// </summary>
public static class PairedTexts
{
    /// <summary>Reads both files; throws <see cref="InputException"/> naming the file, row and column of any problem.</summary>
    public static List<(string? Prompt, string MethodText, string BaselineText)> Load(
        string methodCsv, string baselineCsv, string textColumn = "text", string? promptColumn = null)
    {
        var (ha, ra) = SimpleCsv.ReadFile(methodCsv);
        var (hb, rb) = SimpleCsv.ReadFile(baselineCsv);
        if (ra.Count != rb.Count)
            throw new InputException($"{methodCsv} has {ra.Count} data rows but {baselineCsv} has {rb.Count}. Rows are paired by order, so both files need the same number of rows.");
        const string hint = "Name the text column with --text-column.";
        int ta = SimpleCsv.RequireColumn(ha, textColumn, methodCsv, hint);
        int tb = SimpleCsv.RequireColumn(hb, textColumn, baselineCsv, hint);
        int pa = -1, pb = -1;
        if (promptColumn != null)
        {
            pa = SimpleCsv.Column(ha, promptColumn);
            pb = SimpleCsv.Column(hb, promptColumn);
            if (pa < 0 && pb < 0)
                throw new InputException($"neither {methodCsv} nor {baselineCsv} has the prompt column '{promptColumn}' (columns of A: {string.Join(", ", ha)}). Fix --prompt-column or leave it out.", column: promptColumn);
        }
        var items = new List<(string?, string, string)>(ra.Count);
        for (int i = 0; i < ra.Count; i++)
        {
            string? prompt = pa >= 0 ? ra[i][pa] : pb >= 0 ? rb[i][pb] : null;
            if (pa >= 0 && pb >= 0 && !string.Equals(ra[i][pa], rb[i][pb], StringComparison.Ordinal))
                throw new InputException($"the prompt differs between {methodCsv} and {baselineCsv}. Rows are paired by order; sort both files the same way.", baselineCsv, row: i + 1, column: promptColumn);
            items.Add((prompt, ra[i][ta], rb[i][tb]));
        }
        if (items.Count == 0) throw new InputException($"{methodCsv} has no data rows; there is nothing to judge.", methodCsv);
        return items;
    }
}

namespace CausalPreference.Tests;

/// <summary>The contract of a refused input: exit code 2, one "error:" message on stderr that locates the problem
/// (file, row, column where they apply) and says what to do, and no output or temporary file left behind.</summary>
public static class Refusal
{
    public static void Assert(CliResult r, Workspace ws, string? file, long? row, string? column, string advice, params string[] mustNotExist)
    {
        Xunit.Assert.True(r.Exit == 2, $"expected exit 2 (bad input)\n{r}");
        Xunit.Assert.Contains("error: ", r.Err);
        Xunit.Assert.DoesNotContain("failed:", r.Err);
        if (file != null) Xunit.Assert.Contains(file, r.Err);
        if (row != null) Xunit.Assert.Contains($"row {row}", r.Err);
        if (column != null) Xunit.Assert.Contains($"column '{column}'", r.Err);
        Xunit.Assert.True(r.Err.Contains(advice, StringComparison.OrdinalIgnoreCase), $"stderr does not say '{advice}'\n{r}");
        foreach (var p in mustNotExist)
            Xunit.Assert.False(File.Exists(p) || Directory.Exists(p), $"{p} was left behind\n{r}");
        Xunit.Assert.Empty(ws.LeftoverTemporaries());
    }
}

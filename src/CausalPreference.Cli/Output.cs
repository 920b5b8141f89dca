using CausalPreference.Data;

namespace CausalPreference.Cli;

/// <summary>Writes a result table to a file (atomically, format by extension) or to stdout as CSV.</summary>
public static class Output
{
    public static void WriteTable(string path, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<object?>> rows)
    {
        if (path != "-") { TableWriter.Write(path, columns, rows); Console.Error.WriteLine($"wrote {path}"); return; }
        var tmp = Path.Combine(Path.GetTempPath(), $"causalpo-{Guid.NewGuid():N}.csv");
        try
        {
            TableWriter.Write(tmp, columns, rows);
            using var s = File.OpenRead(tmp);
            using var o = Console.OpenStandardOutput();
            s.CopyTo(o);
        }
        finally { File.Delete(tmp); }
    }
}

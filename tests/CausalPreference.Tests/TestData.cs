namespace CausalPreference.Tests;

/// <summary>Locates ../shared/data (beside the repository) for tests that use the real data files.</summary>
public static class TestData
{
    public static string? SharedDataDir()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null)
        {
            var candidate = Path.Combine(dir.FullName, "..", "shared", "data");
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "CausalPreference.slnx")) || Directory.Exists(Path.Combine(dir.FullName, ".git")))
                return Directory.Exists(candidate) ? Path.GetFullPath(candidate) : null;
            dir = dir.Parent;
        }
        return null;
    }

    /// <summary>Path of a shared data file, or null (the caller skips, naming the missing folder).</summary>
    public static string? File(string name)
    {
        var d = SharedDataDir();
        var p = d == null ? null : Path.Combine(d, name);
        return p != null && System.IO.File.Exists(p) ? p : null;
    }

    public const string SkipMessage = "../shared/data is absent beside the repository; this test needs the shared data files";
}

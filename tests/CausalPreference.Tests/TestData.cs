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

/// <summary>A fact that needs files of ../shared/data: reported as Skipped, with the reason, where any is missing.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute(params string[] files)
    {
        var missing = files.Where(f => TestData.File(f) is null).ToList();
        if (missing.Count > 0) Skip = $"{TestData.SkipMessage} (missing: {string.Join(", ", missing)})";
    }
}

/// <summary>A fact that needs a CUDA device: reported as Skipped on a CPU-only machine.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        bool available;
        try { available = TorchSharp.torch.cuda.is_available(); }
        catch (Exception) { available = false; }
        if (!available) Skip = "no CUDA device on this machine; run it where one is (bench/gpu/run.sh)";
    }
}

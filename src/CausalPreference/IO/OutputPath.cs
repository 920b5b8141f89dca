namespace CausalPreference.IO;

/// <summary>
/// Checks an output location before any work is done, so that a run never computes for minutes and then fails on a
/// location it cannot write: the path must not be blocked by a file or folder of the wrong kind, and the nearest
/// existing folder must accept a new file (probed by creating and deleting a hidden file). Nothing is created on refusal.
/// </summary>
public static class OutputPath
{
    /// <summary>Refuses (exit 2) an output FILE path that cannot be written (<paramref name="option"/>: how the caller names it; a parameter in backticks by default). '-' (stdout) is always accepted.</summary>
    public static void RequireWritableFile(string? path, string option = "`out`")
    {
        if (string.IsNullOrEmpty(path) || path == "-") return;
        var full = Full(path, option);
        if (Directory.Exists(full))
            throw new InputException($"{option} names an existing folder, but a file is to be written here. Give a file name (e.g. inside that folder), or move the folder away.", full);
        RequireWritableParent(full, option);
    }

    /// <summary>Refuses (exit 2) an output FOLDER that cannot be created or written into.</summary>
    public static void RequireWritableFolder(string? dir, string option = "`out`")
    {
        if (string.IsNullOrEmpty(dir)) return;
        var full = Full(dir, option);
        if (File.Exists(full))
            throw new InputException($"{option} must be a folder, but this is an existing file. Give a folder name (it is created if needed), or move the file away.", full);
        if (Directory.Exists(full)) Probe(full, option);
        else RequireWritableParent(full, option);
    }

    static string Full(string path, string option)
    {
        try { return Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        { throw new InputException($"{option} is not a usable path ({e.Message}). Choose another output location.", path); }
    }

    /// <summary>The nearest existing ancestor of <paramref name="full"/> must be a folder that accepts new files.</summary>
    static void RequireWritableParent(string full, string option)
    {
        var p = Path.GetDirectoryName(full);
        while (p != null && !Directory.Exists(p))
        {
            if (File.Exists(p))
                throw new InputException($"this is a regular file, so the {option} location under it cannot be created. Choose a writable location (a folder path).", p);
            p = Path.GetDirectoryName(p);
        }
        if (p != null) Probe(p, option);
    }

    static void Probe(string dir, string option)
    {
        var probe = Path.Combine(dir, $".causalpo-write-test.{Environment.ProcessId}.{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            try { if (File.Exists(probe)) File.Delete(probe); } catch { }
            var why = e is UnauthorizedAccessException ? "permission denied or a read-only file system" : e.Message.Replace(probe, dir);
            throw new InputException($"the {option} location cannot be written: nothing can be created in this folder ({why}). Choose a writable location.", dir, inner: e);
        }
    }
}

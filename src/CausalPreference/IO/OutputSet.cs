namespace CausalPreference.IO;

/// <summary>
/// Files of one folder that belong together (e.g. an outcome model with its out-of-fold predictions and metrics): they
/// appear together or not at all. The previous set is removed first, so an old file never stands beside new ones; the
/// writer writes the set's marker file (the one readers load) last; and when the writer fails, the files of the set
/// written so far are removed again. A kill between two files leaves the set without its marker, which readers refuse.
/// </summary>
public static class OutputSet
{
    /// <param name="files">Every file of the set; the last is the marker that <paramref name="write"/> must write last.</param>
    /// <param name="write">Writes every file of the set, the marker last.</param>
    public static void WriteTogether(IReadOnlyList<string> files, Action write)
    {
        // The marker goes first, so that no reader ever finds the old marker beside new files.
        foreach (var f in files.Reverse()) if (File.Exists(f)) File.Delete(f);
        try { write(); }
        catch
        {
            foreach (var f in files.Reverse()) { try { if (File.Exists(f)) File.Delete(f); } catch { } }
            throw;
        }
    }
}

using System.Text;

namespace CausalPreference.IO;

/// <summary>Writes files so a reader never sees a partial one: write to a temporary file in the same folder, flush, then rename.
/// On every failure path (an exception from the writer, a full disk, a refused rename) the temporary file is deleted.</summary>
public static class AtomicFile
{
    /// <summary>For tests: called with the target path after the temporary file is complete and before it is renamed.
    /// Throwing from it simulates a write that fails at the last moment (e.g. a full disk) deterministically.</summary>
    public static Action<string>? BeforeRenameForTests { get; set; }

    /// <summary>Writes <paramref name="contents"/> as UTF-8 without a BOM, atomically (see <see cref="AtomicFile"/>).</summary>
    public static void WriteAllText(string path, string contents) => Write(path, s => { var b = new UTF8Encoding(false).GetBytes(contents); s.Write(b); });

    /// <summary>Writes <paramref name="bytes"/> atomically (see <see cref="AtomicFile"/>).</summary>
    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, s => s.Write(bytes));

    /// <summary>Calls <paramref name="write"/> on a temporary stream, then atomically renames it over <paramref name="path"/>.</summary>
    public static void Write(string path, Action<Stream> write) =>
        WriteVia(path, tmp =>
        {
            using var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            write(fs);
            fs.Flush(true);
        });

    /// <summary>
    /// For writers that take a file name (libtorch's safetensors and optimizer writers, plot libraries): <paramref name="writeTemp"/>
    /// writes the complete file at the temporary path it is given, which is then renamed over <paramref name="path"/>.
    /// <paramref name="suffix"/> is appended to the temporary name for writers that choose the format by extension.
    /// </summary>
    public static void WriteVia(string path, Action<string> writeTemp, string suffix = "")
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new InputException("this is a folder, but a file is to be written here. Give a file name (e.g. inside that folder), or move the folder away.", full);
        var dir = Path.GetDirectoryName(full)!;
        try { Directory.CreateDirectory(dir); }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        { throw new InputException($"cannot create the output folder: {e.Message}. Choose a writable location.", dir, inner: e); }
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp{suffix}");
        try
        {
            writeTemp(tmp);
            BeforeRenameForTests?.Invoke(full);
            File.Move(tmp, full, overwrite: true);
        }
        catch (UnauthorizedAccessException e)
        {
            TryDelete(tmp);
            throw new InputException($"cannot write here: {e.Message.Replace(tmp, full)}. Choose a writable output location.", full, inner: e);
        }
        catch (IOException e)
        {
            TryDelete(tmp);
            // Name the file the user asked for, not the hidden temporary one; the temporary file is already gone.
            var reason = e.Message.Replace(tmp, full).Replace($" : '{full}'", "").Replace($"'{full}'", "the file").Trim();
            var advice = reason.Contains("No space left", StringComparison.OrdinalIgnoreCase) ? "; free disk space and run the same command again" : "";
            throw new IOException($"could not write {full}: {reason} (nothing partial was left behind{advice})", e);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    /// <summary>Writes through a <see cref="TextWriter"/> (UTF-8, no BOM), atomically.</summary>
    public static void WriteText(string path, Action<TextWriter> write) =>
        Write(path, s => { using var w = new StreamWriter(s, new UTF8Encoding(false), 1 << 16, leaveOpen: true); write(w); w.Flush(); });

    static void TryDelete(string p) { try { if (File.Exists(p)) File.Delete(p); } catch { } }
}

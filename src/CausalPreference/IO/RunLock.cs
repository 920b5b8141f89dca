namespace CausalPreference.IO;

/// <summary>
/// One writer per output folder: an exclusive advisory lock on <c>OUT/.lock</c>, held for the whole run, with the
/// holder's process id in <c>OUT/.lock.pid</c> so that a refused second writer can name it. The lock goes with the
/// process (a killed run never leaves a stale lock behind); the files stay, harmless.
/// </summary>
public sealed class RunLock : IDisposable
{
    readonly FileStream _stream;

    RunLock(FileStream stream) => _stream = stream;

    /// <summary>Takes the folder's lock, or throws <see cref="InputException"/> naming the process that holds it.</summary>
    public static RunLock Acquire(string outDir)
    {
        var path = Path.Combine(outDir, ".lock");
        var pidFile = Path.Combine(outDir, ".lock.pid");
        FileStream stream;
        try { stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        catch (IOException) when (File.Exists(path))
        {
            string holder = File.Exists(pidFile) ? File.ReadAllText(pidFile).Trim() : "unknown";
            throw new InputException($"another run (process {holder}) is writing to this output folder; wait for it to finish, or use another `out`", outDir);
        }
        File.WriteAllText(pidFile, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new RunLock(stream);
    }

    /// <summary>Releases the lock (closes <c>OUT/.lock</c>); the lock and pid files stay on disk.</summary>
    public void Dispose() => _stream.Dispose();
}

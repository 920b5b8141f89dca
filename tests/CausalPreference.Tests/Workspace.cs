using System.Text;
using CausalPreference.Models;
using CausalPreference.Text;
using static TorchSharp.torch;

namespace CausalPreference.Tests;

/// <summary>A temporary folder for one test: input files, a micro checkpoint to corrupt, and checks that nothing partial was left.</summary>
public sealed class Workspace : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("causalpo-reliab-").FullName;

    public string Path(string name) => System.IO.Path.Combine(Dir, name);

    public string Text(string name, string contents) => Bytes(name, new UTF8Encoding(false).GetBytes(contents));

    public string Bytes(string name, byte[] contents)
    {
        var p = Path(name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(p)!);
        File.WriteAllBytes(p, contents);
        return p;
    }

    /// <summary>Saves a freshly initialized micro model (byte tokenizer, 259 tokens) as a causalpo checkpoint.</summary>
    public string MicroCheckpoint(string name = "model", long seed = 1)
    {
        manual_seed(seed);
        var dir = Path(name);
        Checkpoint.Save(ModelFactory.Create(ModelConfig.Micro), new ByteTokenizer(), dir);
        return dir;
    }

    /// <summary>Files whose name marks them as temporaries of an atomic write (none may survive a failed command).</summary>
    public string[] LeftoverTemporaries() =>
        Directory.EnumerateFiles(Dir, "*", SearchOption.AllDirectories).Where(f => f.EndsWith(".tmp", StringComparison.Ordinal)).ToArray();

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

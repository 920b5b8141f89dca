using System.Text;

namespace CausalPreference.Tests.Data;

/// <summary>A temporary folder for one test class's files, deleted on dispose.</summary>
public sealed class TempFiles : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("causalpo-data-").FullName;

    public string Text(string name, string contents) => Bytes(name, new UTF8Encoding(false).GetBytes(contents));

    public string Bytes(string name, byte[] contents)
    {
        var p = Path.Combine(Dir, name);
        File.WriteAllBytes(p, contents);
        return p;
    }

    public string PathOf(string name) => Path.Combine(Dir, name);

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}

using System.Text.Json;

namespace CausalPreference.Tests;

/// <summary>
/// The committed Hugging Face fixtures (Fixtures/hf, copied beside the test assembly): small random model folders and
/// tokenizers with reference numbers written by tools/hf-fixtures (make_models.py, make_tokenizers.mjs).
/// </summary>
public static class HfFixtures
{
    public static string Folder(string name)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "hf", name);
        Assert.True(Directory.Exists(dir), $"fixture folder {dir} is missing; the test project copies Fixtures/** to its output");
        return dir;
    }

    public static JsonDocument Json(string dir, string file) => JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, file)));
}

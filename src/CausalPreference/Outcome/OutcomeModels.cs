using System.Collections.Concurrent;
using System.Text.Json;
using CausalPreference.IO;

namespace CausalPreference.Outcome;

/// <summary>
/// Loads any saved <see cref="IOutcomeModel"/> from its folder by reading the <c>"kind"</c> field of
/// <c>outcome_model.json</c> and dispatching to the loader registered for that kind. "lexical-linear" is built in;
/// other model families call <see cref="Register"/> once (e.g. from a static constructor or at program start).
/// </summary>
public static class OutcomeModels
{
    /// <summary>The file every saved outcome model folder holds; its JSON object has at least a string field "kind".</summary>
    public const string FileName = "outcome_model.json";

    static readonly ConcurrentDictionary<string, Func<string, IOutcomeModel>> Loaders = new(StringComparer.Ordinal)
    {
        [LexicalLinearModel.KindName] = dir => LexicalLinearModel.Load(dir),
        [LmHeadOutcomeModel.KindName] = dir => LmHeadOutcomeModel.Load(dir),
    };

    /// <summary>Registers (or replaces) the loader for a model kind; the loader receives the folder path.</summary>
    public static void Register(string kind, Func<string, IOutcomeModel> loader)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentNullException.ThrowIfNull(loader);
        Loaders[kind] = loader;
    }

    /// <summary>The kinds that <see cref="Load"/> can restore.</summary>
    public static IReadOnlyCollection<string> Kinds => Loaders.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();

    /// <summary>Loads the outcome model saved in folder <paramref name="dir"/>.</summary>
    /// <exception cref="InputException">No model file there, unreadable JSON, or an unknown kind.</exception>
    public static IOutcomeModel Load(string dir)
    {
        var path = Path.Combine(dir, FileName);
        string? kind;
        try
        {
            using var doc = JsonDocument.Parse(ReadModelFile(dir));
            kind = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
        }
        catch (JsonException e) { throw new InputException($"the outcome model file is not valid JSON ({e.Message}); re-save the model.", path, inner: e); }
        if (kind is null) throw new InputException("the outcome model file has no \"kind\" field; re-save the model.", path);
        if (!Loaders.TryGetValue(kind, out var loader))
            throw new InputException($"unknown outcome model kind '{kind}'; known kinds: {string.Join(", ", Kinds)}.", path);
        return loader(dir);
    }

    /// <summary>Reads <c>outcome_model.json</c> in <paramref name="dir"/>, with an <see cref="InputException"/> that says what to do when it is absent.</summary>
    public static string ReadModelFile(string dir)
    {
        var path = Path.Combine(dir, FileName);
        if (!File.Exists(path))
            throw new InputException($"no {FileName} here; point to a folder written by an outcome model's Save.", dir);
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new InputException($"cannot read the outcome model: {e.Message}.", path, inner: e); }
    }
}

using System.Security.Cryptography;
using System.Text;
using CausalPreference.Models;

namespace CausalPreference.Pipeline;

/// <summary>Content fingerprints used to cache and reuse precomputed tables safely.</summary>
public static class Fingerprint
{
    /// <summary>The first 24 hex digits (96 bits) of SHA-256 over the parts, each length-prefixed so that no two different
    /// lists collide by concatenation; a null part is hashed as the marker <c>\u0000null</c>.</summary>
    public static string Of(params string?[] parts)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var p in parts)
        {
            var b = Encoding.UTF8.GetBytes(p ?? "\u0000null");
            h.AppendData(BitConverter.GetBytes(b.Length));
            h.AppendData(b);
        }
        return Convert.ToHexString(h.GetHashAndReset()).ToLowerInvariant()[..24];
    }

    /// <summary>A fingerprint of a list of texts (their count, the texts in order, then the prompts, when given).</summary>
    public static string OfTexts(IReadOnlyList<string> texts, IReadOnlyList<string?>? prompts = null) =>
        Of(texts.Concat(prompts?.Select(p => "P:" + p) ?? Enumerable.Empty<string>()).Prepend(texts.Count.ToString()).ToArray());

    /// <summary>A model's identity: its weights' hash for checkpoint folders, else its path, size and modification time.</summary>
    public static string OfModel(string path)
    {
        if (Directory.Exists(path) && Checkpoint.IsCheckpoint(path))
        {
            var sums = Path.Combine(path, Checkpoint.ChecksumFile);
            return Of(File.Exists(sums) ? File.ReadAllText(sums) : Checkpoint.Sha256(Path.Combine(path, Checkpoint.WeightsFile)));
        }
        var files = Directory.Exists(path) ? Directory.GetFiles(path).OrderBy(f => f, StringComparer.Ordinal).ToArray() : new[] { path };
        return Of(files.Select(f => $"{Path.GetFileName(f)}|{new FileInfo(f).Length}|{File.GetLastWriteTimeUtc(f):O}").ToArray());
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CausalPreference.IO;

namespace CausalPreference.Pipeline;

/// <summary>One finished stage as recorded in <c>OUT/pipeline_manifest.json</c>.</summary>
/// <param name="Fingerprint">Hash of everything the stage's output depends on (config parts and upstream fingerprints).</param>
/// <param name="Outputs">Files or folders (relative to OUT) that must exist for the record to count.</param>
/// <param name="FinishedUtc">When it finished.</param>
/// <param name="Seconds">How long it ran.</param>
public sealed record StageRecord(string Fingerprint, string[] Outputs, DateTime FinishedUtc, double Seconds);

/// <summary>
/// The stage manifest that makes a pipeline idempotent: a stage whose fingerprint matches its record and whose outputs
/// all exist is skipped; otherwise it runs and its record is written (atomically) right after it finishes, so an
/// interrupted pipeline resumes at the first unfinished stage. Every decision is logged.
/// </summary>
public sealed class StageManifest
{
    /// <summary>The manifest's file name inside OUT.</summary>
    public const string FileName = "pipeline_manifest.json";
    readonly string _dir;
    readonly Dictionary<string, StageRecord> _stages;
    readonly TextWriter _log;

    /// <summary>Names of stages run (not skipped) by this instance, in order.</summary>
    public List<string> Ran { get; } = new();
    /// <summary>Names of stages skipped by this instance, in order.</summary>
    public List<string> Skipped { get; } = new();

    /// <summary>Opens (or starts) the manifest in <paramref name="outDir"/>.</summary>
    public StageManifest(string outDir, TextWriter log)
    {
        _dir = outDir;
        _log = log;
        var path = Path.Combine(outDir, FileName);
        _stages = new(StringComparer.Ordinal);
        if (File.Exists(path))
        {
            try { _stages = JsonSerializer.Deserialize<Dictionary<string, StageRecord>>(File.ReadAllText(path)) ?? _stages; }
            catch (JsonException) { _log.WriteLine($"note: {path} is unreadable; every stage runs again"); }
        }
    }

    /// <summary>The recorded stages.</summary>
    public IReadOnlyDictionary<string, StageRecord> Stages => _stages;

    /// <summary>True when <paramref name="name"/> is recorded with this fingerprint and all its outputs exist.</summary>
    public bool IsDone(string name, string fingerprint) =>
        _stages.TryGetValue(name, out var s) && s.Fingerprint == fingerprint && s.Outputs.All(o => File.Exists(Path.Combine(_dir, o)) || Directory.Exists(Path.Combine(_dir, o)));

    /// <summary>Runs <paramref name="run"/> unless the stage is done; returns true when it ran.</summary>
    public bool Run(string name, string fingerprint, string[] outputs, Action run)
    {
        if (IsDone(name, fingerprint))
        {
            _log.WriteLine($"[{name}] up to date (fingerprint {fingerprint[..12]}), skipped");
            Skipped.Add(name);
            return false;
        }
        _log.WriteLine($"[{name}] running");
        var sw = Stopwatch.StartNew();
        run();
        var missing = outputs.Where(o => !File.Exists(Path.Combine(_dir, o)) && !Directory.Exists(Path.Combine(_dir, o))).ToArray();
        if (missing.Length > 0) throw new InvalidOperationException($"stage {name} finished without writing {string.Join(", ", missing)}");
        _stages[name] = new StageRecord(fingerprint, outputs, DateTime.UtcNow, sw.Elapsed.TotalSeconds);
        AtomicFile.WriteAllText(Path.Combine(_dir, FileName), JsonSerializer.Serialize(_stages, new JsonSerializerOptions { WriteIndented = true }));
        _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{name}] done in {sw.Elapsed.TotalSeconds:F1} s"));
        Ran.Add(name);
        return true;
    }
}

using System.Diagnostics;
using CausalPreference.Training;

namespace CausalPreference.Cli;

/// <summary>
/// A progress bar on stderr with rate and ETA. On a terminal it redraws one line; when stderr is redirected
/// (CI, logs) it prints a line at most every few seconds and at the end, so logs stay short.
/// </summary>
public sealed class ProgressLine : IDisposable
{
    readonly string _label;
    readonly long _total;
    readonly string _unit;
    readonly Stopwatch _sw = Stopwatch.StartNew();
    readonly bool _tty = !Console.IsErrorRedirected;
    TimeSpan _lastPrint = TimeSpan.FromSeconds(-100);
    long _done;
    string _extra = "";
    bool _finished;

    public ProgressLine(string label, long total, string unit = "it") { _label = label; _total = Math.Max(1, total); _unit = unit; }

    public void Report(long done, string extra = "")
    {
        _done = done; _extra = extra;
        var now = _sw.Elapsed;
        if (done < _total && now - _lastPrint < (_tty ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(10))) return;
        _lastPrint = now;
        Draw(done >= _total);
    }

    void Draw(bool final)
    {
        double frac = Math.Clamp((double)_done / _total, 0, 1);
        double secs = _sw.Elapsed.TotalSeconds;
        double rate = _done / Math.Max(1e-9, secs);
        var eta = rate > 0 ? TimeSpan.FromSeconds((_total - _done) / rate) : TimeSpan.Zero;
        int width = 24, filled = (int)Math.Round(frac * width);
        var bar = new string('#', filled) + new string('.', width - filled);
        var line = $"{_label} [{bar}] {_done}/{_total} {frac:P0} {rate:0.0} {_unit}/s ETA {Fmt(eta)} {_extra}";
        if (_tty) Console.Error.Write("\r" + line.PadRight(Math.Min(Console.BufferWidth > 0 ? Console.BufferWidth - 1 : 120, 160)) + (final ? "\n" : ""));
        else Console.Error.WriteLine(line);
        if (final) _finished = true;
    }

    static string Fmt(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:00}s" : $"{t.Seconds}s";

    public void Dispose() { if (!_finished && _done > 0) Draw(true); }

    /// <summary>Adapts training progress reports to a progress line (loss, tokens/s, diagnostics), plus a line per validation pass.</summary>
    public static IProgress<TrainingProgress> ForTraining(string label, Func<ProgressLine?> current, Action<ProgressLine> set)
        => new Progress(label, current, set);

    sealed class Progress(string label, Func<ProgressLine?> current, Action<ProgressLine> set) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            var bar = current();
            if (bar is null) { bar = new ProgressLine(label, p.TotalSteps, "step"); set(bar); }
            if (p.IsValidation)
            {
                var m = string.Join(" ", p.Metrics.Take(4).Select(kv => $"{kv.Key} {kv.Value:G4}"));
                Console.Error.WriteLine($"{(bar._tty ? "\n" : "")}epoch {p.Epoch}: validation loss {p.Loss:G5} {m}");
                return;
            }
            var extra = $"ep {p.Epoch} loss {p.Loss:G4} {p.TokensPerSecond:0} tok/s";
            if (p.Metrics.TryGetValue("ess_fraction", out var ess)) extra += $" ESS {ess:P0}";
            if (p.Metrics.TryGetValue("max_weight", out var mw)) extra += $" wmax {mw:0.00}";
            if (p.Metrics.TryGetValue("clipped", out var cl) && cl > 0) extra += $" clipped {cl:0}";
            bar.Report(p.Step, extra);
        }
    }
}

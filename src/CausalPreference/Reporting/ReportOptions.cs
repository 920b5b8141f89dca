namespace CausalPreference.Reporting;

/// <summary>What <see cref="Report.Build"/> reads and where it writes.</summary>
/// <param name="RunDirs">Run folders: the output folders of demo, train, evaluate or judge, or folders holding several of them.</param>
/// <param name="OutDir">Output folder; default: the first run folder's "report" subfolder.</param>
/// <param name="SmoothWindow">Centered moving-average window (steps) of the training curves; 0 picks one from the longest log (about 1/30 of it).</param>
public sealed record ReportOptions(IReadOnlyList<string> RunDirs, string? OutDir = null, int SmoothWindow = 0);

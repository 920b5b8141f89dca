namespace CausalPreference.Reporting;

/// <summary>What <see cref="Report.Build"/> wrote.</summary>
/// <param name="OutDir">The output folder (report.md, report.json and the PNGs).</param>
/// <param name="Figures">File names of the PNGs written, inside <paramref name="OutDir"/>.</param>
/// <param name="Sources">Everything that was found and read.</param>
/// <param name="SmoothWindow">The moving-average window actually used.</param>
/// <param name="Warnings">Things worth a look (collapsed weights, skipped log lines, mostly ungrammatical samples, …).</param>
public sealed record ReportResult(string OutDir, IReadOnlyList<string> Figures, ReportSources Sources, int SmoothWindow, IReadOnlyList<string> Warnings);

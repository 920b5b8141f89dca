using System.CommandLine;
using CausalPreference.Reporting;

namespace CausalPreference.Cli.Commands;

/// <summary><c>causalpo report RUN_DIR...</c>: one report (Markdown, JSON, PNG plots) from demo, train, evaluate and judge folders.</summary>
public static class ReportCommand
{
    public static Command Build()
    {
        var cmd = new Command("report", "Collect demo, train, evaluate and judge folders into report.md, report.json and PNG plots " +
            "(training curves of value and ESS fraction, true or estimated values with 95% CIs, win rates).");
        var dirs = new Argument<string[]>("RUN_DIR") { Description = "Run folders (or folders holding several runs)", Arity = ArgumentArity.OneOrMore };
        var outDir = Cli.Opt<string?>("--out", "Output folder (default: the first RUN_DIR/report)");
        var smooth = Cli.Opt("--smooth", "Moving-average window of the training curves in steps (0 = automatic, about 1/30 of the longest run)", 0);
        cmd.Arguments.Add(dirs);
        cmd.Options.Add(outDir);
        cmd.Options.Add(smooth);
        Cli.SetAction(cmd, pr =>
        {
            CausalPreference.IO.OutputPath.RequireWritableFolder(pr.GetValue(outDir));
            var r = Report.Build(new ReportOptions(pr.GetValue(dirs)!, pr.GetValue(outDir), pr.GetValue(smooth)), Console.Error);
            foreach (var w in r.Warnings) Console.Error.WriteLine($"warning: {w}");
            Console.WriteLine($"wrote {Path.Combine(r.OutDir, "report.md")}, report.json and {r.Figures.Count} figure(s): {string.Join(", ", r.Figures)}");
            return Cli.Ok;
        });
        return cmd;
    }
}

using System.CommandLine;
using System.Globalization;
using CausalPreference.Evaluation.Judging;
using Spectre.Console;

namespace CausalPreference.Cli.Commands;

/// <summary><c>causalpo agreement</c>: Fleiss' κ of a ratings table (item, rater, label), and φ for two binary raters.</summary>
public static class AgreementCommand
{
    public static Command Build()
    {
        var ratings = Cli.Opt<string>("--ratings", "CSV with columns item, rater, label (one row per rating).", required: true);
        var cmd = new Command("agreement", "Inter-rater agreement: Fleiss' kappa, and the phi correlation when exactly two raters gave binary labels.");
        cmd.Options.Add(ratings);
        Cli.SetAction(cmd, pr =>
        {
            var report = RatingSet.Load(pr.GetValue(ratings)!).Compute();
            static string F(double? v) => v is { } x && double.IsFinite(x) ? x.ToString("0.000", CultureInfo.InvariantCulture) : "undefined";
            var table = new Table().AddColumns("statistic", "value");
            table.AddRow("items", report.Items.ToString());
            table.AddRow("raters", report.Raters.ToString());
            table.AddRow("ratings", report.Ratings.ToString());
            table.AddRow("labels", Markup.Escape(string.Join(", ", report.Labels)));
            table.AddRow("Fleiss' kappa", F(report.FleissKappa));
            if (report.Phi != null) table.AddRow(Markup.Escape($"phi (items rated by both: {report.PhiItems})"), F(report.Phi));
            AnsiConsole.Write(table);
            return Cli.Ok;
        });
        return cmd;
    }
}

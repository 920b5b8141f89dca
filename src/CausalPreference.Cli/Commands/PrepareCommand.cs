using System.CommandLine;
using System.Globalization;
using CausalPreference.Data;
using CausalPreference.IO;
using CausalPreference.Pipeline;

namespace CausalPreference.Cli.Commands;

/// <summary><c>causalpo prepare</c>: design probabilities for A/B-test data, the pipeline's prepare stage as a verb.</summary>
public static class PrepareCommand
{
    public static Command Build()
    {
        var cmd = new Command("prepare", "Add design log-probabilities to A/B-test data (one row per tested text, randomized within its test), after " +
            "excluding a period by week and capping the rows by whole tests; says how many rows and tests each step removed. The same steps as the " +
            "pipeline's prepare stage (docs/data.md). Train on the result with --group-column TEST --log-propensity-column COLUMN.");
        var data = Cli.Opt<string>("--data", "The A/B-test table (CSV, JSONL or Parquet)", required: true);
        var test = Cli.Opt<string>("--test-column", "Column with each row's test (experiment) id", required: true);
        var method = Cli.Opt("--method", "arm-uniform: log(1/#tests) + log(1/k), each of a test's k rows equally likely (equal allocation, one row per " +
            "text; the default); test-uniform: log(1/#tests) + log(the row's impression share in its test); impression-share: log(the row's share of all impressions)", "arm-uniform");
        var impressions = Cli.Opt<string?>("--impressions-column", "Column with each row's impressions (needed by test-uniform and impression-share)");
        var week = Cli.Opt<string?>("--week-column", "Column with each row's week as YYYYWW (with --exclude-weeks)");
        var exclude = Cli.Opt<string?>("--exclude-weeks", "Drop rows whose week lies in FIRST:LAST (inclusive), e.g. 201325:201404 for Upworthy's randomization-imbalance period");
        var maxRows = Cli.Opt("--max-rows", "Keep at most this many rows, as whole tests in a seeded order (0 = all)", 0);
        var seed = Cli.Opt("--seed", "Seed of the row cap", 1);
        var column = Cli.Opt("--column", "Name of the column to write the log-probabilities to", "log_propensity");
        var outFile = Cli.Opt<string>("--out", "Output CSV: every input column plus the log-probability column", required: true);
        var holdout = Cli.Opt("--holdout-fraction", "Share of the tests (whole tests, seeded by --seed) written to --holdout-out instead of --out: held-out rows for `evaluate` that no training run sees", 0.0);
        var holdoutOut = Cli.Opt<string?>("--holdout-out", "Output CSV of the held-out tests (with --holdout-fraction)");
        foreach (var o in new Option[] { data, test, method, impressions, week, exclude, maxRows, seed, column, outFile, holdout, holdoutOut }) cmd.Options.Add(o);
        Cli.SetAction(cmd, pr =>
        {
            var path = pr.GetValue(outFile)!;
            if (!path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) throw new InputException("--out must name a .csv file", path);
            var m = DesignPropensity.ParseMethod(pr.GetValue(method)!);
            string? imp = pr.GetValue(impressions);
            if (m != DesignMethod.ArmUniform && imp is null) throw new InputException($"--method {pr.GetValue(method)} needs --impressions-column");
            if (pr.GetValue(maxRows) < 0) throw new InputException($"--max-rows must be 0 (all rows) or positive (got {pr.GetValue(maxRows)})");
            double hf = pr.GetValue(holdout);
            if (!(hf >= 0 && hf < 1)) throw new InputException($"--holdout-fraction must lie in [0, 1) (got {hf})");
            var hoPath = pr.GetValue(holdoutOut);
            if ((hf > 0) != (hoPath != null)) throw new InputException("--holdout-fraction and --holdout-out go together");
            if (hoPath != null && !hoPath.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) throw new InputException("--holdout-out must name a .csv file", hoPath);
            var table = TableReader.Read(pr.GetValue(data)!);
            int read = table.RowCount;
            Console.WriteLine($"read {read} rows from {pr.GetValue(data)}");
            if (pr.GetValue(exclude) is string ex)
            {
                var parts = ex.Split(':');
                if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var first)
                    || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var last) || first > last)
                    throw new InputException($"--exclude-weeks must be FIRST:LAST with FIRST ≤ LAST, e.g. 201325:201404 (got '{ex}')");
                var wc = pr.GetValue(week) ?? throw new InputException("--exclude-weeks needs --week-column");
                (table, var report) = DesignPropensity.ExcludeWeeks(table, wc, pr.GetValue(test)!, first, last);
                Console.WriteLine(report);
            }
            var capped = DesignPropensity.Cap(table, pr.GetValue(maxRows), pr.GetValue(test), pr.GetValue(seed));
            if (capped.RowCount < table.RowCount)
                Console.WriteLine($"--max-rows {pr.GetValue(maxRows)}: kept {capped.RowCount} of {table.RowCount} rows (whole tests, seed {pr.GetValue(seed)})");
            table = capped;
            // arm-uniform needs no impressions: any column serves to count the rows of each test
            var values = DesignPropensity.LogPropensities(table, pr.GetValue(test)!, imp ?? pr.GetValue(test)!, m);
            table = DesignPropensity.WithColumn(table, pr.GetValue(column)!, values);
            var tc = table.IndexOf(pr.GetValue(test)!);
            var ids = Enumerable.Range(0, table.RowCount).Select(r => table.Get(r, tc) ?? "").Distinct(StringComparer.Ordinal).OrderBy(x => x, StringComparer.Ordinal).ToList();
            var held = new HashSet<string>(StringComparer.Ordinal);
            if (hf > 0)
            {
                var order = Training.TrainLoop.Permutation(ids.Count, pr.GetValue(seed) + 1, 0);
                held.UnionWith(order.Take((int)Math.Round(ids.Count * hf)).Select(i => ids[i]));
            }
            Table Part(bool h) => new(table.Path, table.Columns, Enumerable.Range(0, table.RowCount).Where(r => held.Contains(table.Get(r, tc) ?? "") == h)
                .Select(r => Enumerable.Range(0, table.Columns.Count).Select(c => table.Get(r, c)).ToArray()));
            var kept = Part(false);
            DesignPropensity.WriteCsv(kept, path);
            Console.WriteLine($"wrote {kept.RowCount} rows of {ids.Count - held.Count} tests with '{pr.GetValue(column)}' ({pr.GetValue(method)}) to {path}");
            if (hoPath != null)
            {
                var ho = Part(true);
                DesignPropensity.WriteCsv(ho, hoPath);
                Console.WriteLine($"wrote {ho.RowCount} rows of {held.Count} held-out tests to {hoPath}");
            }
            return Cli.Ok;
        });
        return cmd;
    }
}

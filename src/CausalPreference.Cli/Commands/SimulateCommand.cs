using System.CommandLine;
using CausalPreference.Data;
using CausalPreference.IO;
using CausalPreference.Simulation;

namespace CausalPreference.Cli.Commands;

/// <summary><c>causalpo simulate</c>: the built-in world with known truth — make data, or score texts by the true mean outcome.</summary>
public static class SimulateCommand
{
    public static Command Build()
    {
        var cmd = new Command("simulate", "The built-in world with known truth. Writes randomized (or --confounded) direct-outcome data with an exact " +
            "log_propensity column, or with --score FILE prints the true mean outcome E[g*(X)] of the texts in FILE with a 95% CI, as the realistic reader " +
            "responds (a text outside the world's grammar gets the lowest outcome), beside the grammatical share and the lenient phrase-sum score of the paper's setting.");
        var n = Cli.Opt("--n", "Rows to simulate", 2000);
        var seed = Cli.Opt("--seed", "Random seed", 1);
        var confounded = Cli.Opt<bool>("--confounded", "Confounded data: a hidden reader trait drives both which texts are read and the outcome");
        var binary = Cli.Opt<bool>("--binary", "A 0/1 outcome instead of a 1–7 rating");
        var outFile = Cli.Opt<string?>("--out", "Output CSV (text,outcome,log_propensity[,u]); with --score, a CSV of each text's score (text,true_mean,grammatical,phrase_sum)");
        var score = Cli.Opt<string?>("--score", "Table of texts to score with the true mean outcome g*");
        var column = Cli.Opt("--column", "Column of --score holding the texts", "text");
        var experiments = Cli.Opt("--experiments", "Simulate this many A/B tests instead of single readers: each tests --arms texts drawn from P^R, each shown to " +
            "--readers readers randomized within the test; one row per arm (experiment,text,outcome = its readers' mean,readers,log_propensity = log(1/arms)). " +
            "Train on it with --group-column experiment", 0);
        var arms = Cli.Opt("--arms", "Texts per simulated A/B test (with --experiments)", 4);
        var readers = Cli.Opt("--readers", "Readers shown each arm of a simulated A/B test (with --experiments)", 50);
        foreach (var o in new Option[] { n, seed, confounded, binary, outFile, score, column, experiments, arms, readers }) cmd.Options.Add(o);
        Cli.SetAction(cmd, pr =>
        {
            if (pr.GetValue(outFile) is string target) { RequireCsv(target); OutputPath.RequireWritableFile(target); }
            var world = new World(pr.GetValue(binary) ? WorldConfig.DefaultBinary() : WorldConfig.Default());
            if (pr.GetValue(score) is string file)
            {
                var ds = DirectOutcomeDataset.Load(new DatasetSpec(file, pr.GetValue(column)!) { RequireOutcome = false });
                var scored = ds.Rows.Select(r => r.Text).ToArray();
                var tv = world.TrueValue(scored);
                if (pr.GetValue(outFile) is string scoresOut)
                {
                    RequireCsv(scoresOut);
                    TableWriter.Write(scoresOut, ["text", "true_mean", "grammatical", "phrase_sum"],
                        scored.Select(t => (IReadOnlyList<object?>)new object?[] { t, world.TrueMean(t), world.IsGrammatical(t) ? 1 : 0, world.PhraseSumMean(t) }));
                }
                Console.WriteLine($"true mean outcome {tv.Mean:F4}  95% CI [{tv.CiLow:F4}, {tv.CiHigh:F4}]  (n = {tv.N}, {tv.FractionGrammatical:P0} grammatical; " +
                                  $"randomization {world.ExpectedValueUnderPR():F4}, best {world.BestPossibleValue():F4})");
                Console.WriteLine($"grammatical texts alone {tv.GrammaticalMean:F4}; phrase-sum score (lenient, the paper's setting: phrases count in any string) " +
                                  $"{tv.PhraseSumMean:F4} ± {1.96 * tv.PhraseSumStdError:F4}; a text outside the grammar gets {world.OutcomeFloor:G4} from the realistic reader");
                return Cli.Ok;
            }
            var path = pr.GetValue(outFile) ?? throw new InputException("give --out FILE to write simulated data, or --score FILE to score texts");
            if (pr.GetValue(experiments) is int ex and not 0)
            {
                if (pr.GetValue(confounded)) throw new InputException("--experiments simulates randomized A/B tests; --confounded does not apply to them");
                if (ex < 2) throw new InputException($"--experiments must be at least 2 (got {ex})");
                if (pr.GetValue(arms) is int k and (< 2 or > 50)) throw new InputException($"--arms must be between 2 and 50 (got {k})");
                if (pr.GetValue(readers) is int rd and (< 1 or > 1_000_000)) throw new InputException($"--readers must be between 1 and 1,000,000 (got {rd})");
                if ((long)ex * pr.GetValue(arms) > MaxRows) throw new InputException($"--experiments × --arms must be at most {MaxRows:N0}");
                RequireCsv(path);
                var armsData = world.GenerateExperiments(ex, pr.GetValue(arms), pr.GetValue(readers), pr.GetValue(seed));
                ExperimentArm.Write(path, armsData);
                Console.WriteLine($"wrote {armsData.Count} arms of {ex} randomized A/B tests ({pr.GetValue(arms)} arms, {pr.GetValue(readers)} readers each) to {path} " +
                                  $"(true value under randomization {world.ExpectedValueUnderPR():F4})");
                return Cli.Ok;
            }
            if (pr.GetValue(n) < 2) throw new InputException($"--n must be at least 2 (got {pr.GetValue(n)})");
            if (pr.GetValue(n) > MaxRows) throw new InputException($"--n must be at most {MaxRows:N0} (got {pr.GetValue(n):N0}); simulate several files with different --seed values for more");
            RequireCsv(path);
            var data = world.Generate(pr.GetValue(n), pr.GetValue(seed), pr.GetValue(confounded));
            SimulatedDataCsv.Write(path, data);
            Console.WriteLine($"wrote {data.Count} {(data.Confounded ? "confounded" : "randomized")} rows to {path} (true value under randomization {world.ExpectedValueUnderPR():F4})");
            return Cli.Ok;
        });
        return cmd;
    }

    /// <summary>Most rows one simulate call writes (about 0.5 GB of CSV).</summary>
    const int MaxRows = 10_000_000;

    static void RequireCsv(string path)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is not (".csv" or ""))
            throw new InputException($"simulate writes CSV; name the output with .csv (got '{ext}')", path);
    }
}

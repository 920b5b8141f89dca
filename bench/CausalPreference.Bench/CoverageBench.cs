using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CausalPreference.Causal;
using CausalPreference.IO;
using CausalPreference.Outcome;
using CausalPreference.Simulation;

namespace CausalPreference.Bench;

/// <summary>
/// <c>coverage</c>: do the estimators' 95% intervals cover the true value of a policy as often as they claim?
/// <para>World: the built-in default world (500 grammatical texts, exact P^R and g*). Policy: P^f(x) ∝ P^R(x)·exp(τ·g*(x))
/// over the grammar, normalized exactly by enumeration, so log P^f(x) is exact for every logged row and the true value
/// V(f) = Σ_x P^f(x) g*(x) is exact. Each replication draws n randomized rows (World.Generate, its own seed), cross-fits
/// the lexical outcome model ĝ on them (K folds; out-of-fold ĝ(X_i), the all-rows model for the policy samples), draws
/// m texts X̃ ~ P^f for DM/DR/SNDR, and computes every estimator with its influence-function 95% interval.</para>
/// <para>Reported per estimator: coverage of V(f) (with its Monte Carlo standard error), bias, RMSE, mean standard
/// error versus the empirical standard deviation across replications, mean interval width; and the variance of DR
/// (and SNDR) relative to IPW. No neural network: it runs on CPU cores in seconds to minutes.</para>
/// </summary>
public static class CoverageBench
{
    /// <summary>Runs the benchmark with command-line options; returns the exit code.</summary>
    public static int Run(BenchArgs a)
    {
        int reps = a.Int("--replications", 1000, "replications R (at least 200 for a coverage estimate worth quoting)");
        int n = a.Int("--n", 2000, "logged rows per replication, drawn from P^R");
        int m = a.Int("--m", 2000, "texts sampled from the policy per replication (DM, DR, SNDR)");
        double tau = a.Double("--tau", 1.0, "tilt τ of the policy P^f ∝ P^R·exp(τ·g*)");
        int seed = a.Int("--seed", 1, "base seed; replication r uses seeds derived from (seed, r)");
        int folds = a.Int("--folds", 5, "cross-fitting folds of the outcome model");
        bool bigrams = a.Flag("--bigrams", "give ĝ word bigrams too (then it can represent g*'s interaction term exactly)");
        int threads = a.Int("--threads", 2, "replications run in parallel (results do not depend on it)");
        string outPath = a.String("--out", DefaultOut(), "where to write the JSON results");
        if (a.Help) { Console.WriteLine("coverage options:\n" + a.Usage); return 0; }
        a.RejectUnknown();
        if (reps < 2) throw new BenchArgs.UsageException("--replications must be at least 2");
        if (n < folds || folds < 2) throw new BenchArgs.UsageException("--n must be at least --folds, and --folds at least 2");
        if (m < 2) throw new BenchArgs.UsageException("--m must be at least 2 (a standard error needs two samples)");
        if (!double.IsFinite(tau)) throw new BenchArgs.UsageException("--tau must be finite");
        if (threads < 1) throw new BenchArgs.UsageException("--threads must be at least 1");

        var world = new World();
        var policy = TiltedPolicy.Create(world, tau);
        var estimators = Estimators.All;
        var est = new double[estimators.Count, reps];
        var se = new double[estimators.Count, reps];
        var lo = new double[estimators.Count, reps];
        var hi = new double[estimators.Count, reps];
        var essFraction = new double[reps];
        var r2 = new double[reps];
        var options = new EstimateOptions(MinEssFraction: 0); // no warnings needed here

        Console.WriteLine(FormattableString.Invariant(
            $"coverage: default world ({world.Grammar.Count} texts), policy P^f ∝ P^R·exp({tau:0.###}·g*): V(f) = {policy.TrueValue:F6} (P^R: {world.ExpectedValueUnderPR():F6}); population ESS/n = {policy.PopulationEssFraction:F3}"));
        Console.WriteLine(FormattableString.Invariant($"R = {reps} replications, n = {n} logged rows, m = {m} policy samples, ĝ = lexical ridge{(bigrams ? " + bigrams" : "")} cross-fitted ({folds} folds), seed {seed}, 95% influence-function intervals"));
        var sw = Stopwatch.StartNew();
        int done = 0;
        Parallel.For(0, reps, new ParallelOptions { MaxDegreeOfParallelism = threads }, r =>
        {
            var (dataSeed, foldSeed, sampleSeed) = Seeds(seed, r);
            var data = world.Generate(n, dataSeed);
            var texts = data.Texts;
            var y = data.Outcomes;
            var logpR = data.LogPropensities;
            var logpF = texts.Select(policy.LogProb).ToArray();
            var cf = CrossFit.OutOfFold(() => new LexicalLinearModel(new LexicalLinearOptions { Bigrams = bigrams }), texts, y, folds, foldSeed);
            var tilde = policy.Sample(m, new Random(sampleSeed));
            var sample = new LoggedSample(logpF, logpR, y, cf.OutOfFold, cf.FinalModel.Predict(tilde));
            for (int k = 0; k < estimators.Count; k++)
            {
                var e = estimators[k].Estimate(sample, options);
                est[k, r] = e.Estimate; se[k, r] = e.StdError; lo[k, r] = e.CiLow; hi[k, r] = e.CiHigh;
                if (k == 0) essFraction[r] = e.Diagnostics!.EssFraction;
            }
            r2[r] = cf.R2;
            int d = Interlocked.Increment(ref done);
            if (d % Math.Max(1, reps / 10) == 0) Console.Error.WriteLine($"  {d}/{reps} replications ({sw.Elapsed.TotalSeconds:F0} s)");
        });

        var rows = new List<EstimatorCoverage>();
        for (int k = 0; k < estimators.Count; k++)
            rows.Add(EstimatorCoverage.From(estimators[k].Name, policy.TrueValue, Row(est, k), Row(se, k), Row(lo, k), Row(hi, k)));
        double varIpw = rows[0].EmpiricalSd * rows[0].EmpiricalSd;
        var relative = rows.ToDictionary(x => x.Estimator, x => x.EmpiricalSd * x.EmpiricalSd / varIpw);

        Console.WriteLine();
        Console.WriteLine($"{"estimator",-9} {"coverage",16} {"bias",10} {"RMSE",9} {"mean SE",9} {"emp. SD",9} {"CI width",9} {"var/IPW",8}");
        foreach (var x in rows)
            Console.WriteLine(FormattableString.Invariant(
                $"{x.Estimator,-9} {x.Coverage,8:0.0%} ± {x.CoverageMcSe,5:0.0%} {x.Bias,10:F5} {x.Rmse,9:F5} {x.MeanStdError,9:F5} {x.EmpiricalSd,9:F5} {x.MeanCiWidth,9:F5} {relative[x.Estimator],8:F3}"));
        Console.WriteLine();
        Console.WriteLine(FormattableString.Invariant(
            $"mean ESS/n of the logged rows {essFraction.Average():F3}; mean out-of-fold R² of ĝ {r2.Average():F3}; DR variance / IPW variance = {relative["DR"]:F3}; {sw.Elapsed.TotalSeconds:F1} s"));
        Console.WriteLine("coverage ± its Monte Carlo standard error sqrt(p(1−p)/R); goal 93–97%. DM's interval reflects only the m policy samples, not ĝ's error.");

        var json = new
        {
            benchmark = "coverage",
            command = $"dotnet run --project bench/CausalPreference.Bench -c Release -- coverage --replications {reps} --n {n} --m {m} --tau {tau.ToString("R", CultureInfo.InvariantCulture)} --seed {seed} --folds {folds}{(bigrams ? " --bigrams" : "")}",
            world = "WorldConfig.Default()",
            policy = $"P^f(x) ∝ P^R(x)·exp(τ·g*(x)) over the {world.Grammar.Count} grammatical texts",
            tau, replications = reps, n, m, folds, seed, outcome_model = bigrams ? "lexical-linear ridge with bigrams, cross-fitted" : "lexical-linear ridge, cross-fitted",
            ci = "influence-function, 95%",
            true_value = policy.TrueValue,
            value_under_logging = world.ExpectedValueUnderPR(),
            population_ess_fraction = policy.PopulationEssFraction,
            mean_ess_fraction = essFraction.Average(),
            mean_outcome_model_r2 = r2.Average(),
            estimators = rows.Select(x => new
            {
                estimator = x.Estimator, coverage = x.Coverage, coverage_mc_se = x.CoverageMcSe, bias = x.Bias, rmse = x.Rmse,
                mean_std_error = x.MeanStdError, empirical_sd = x.EmpiricalSd, mean_ci_width = x.MeanCiWidth,
                variance_relative_to_ipw = relative[x.Estimator], undefined_intervals = x.Undefined,
            }),
            seconds = sw.Elapsed.TotalSeconds,
            threads,
        };
        AtomicFile.WriteAllText(outPath, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        Console.WriteLine($"wrote {outPath}");
        return 0;
    }

    /// <summary>Seeds of replication r: data, fold assignment, policy samples (plain arithmetic, stable across processes).</summary>
    static (int Data, int Folds, int Samples) Seeds(int seed, int r)
    {
        long b = (long)seed * 1_000_003L + r * 7919L;
        return ((int)(b % int.MaxValue), (int)((b + 104_729) % int.MaxValue), (int)((b + 1_299_709) % int.MaxValue));
    }

    static double[] Row(double[,] a, int k) => Enumerable.Range(0, a.GetLength(1)).Select(r => a[k, r]).ToArray();

    static string DefaultOut()
    {
        for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "CausalPreference.slnx")))
                return Path.Combine(d.FullName, "bench", "results", "coverage.json");
        return Path.Combine("bench", "results", "coverage.json");
    }
}

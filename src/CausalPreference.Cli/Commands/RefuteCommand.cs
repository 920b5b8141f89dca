using System.CommandLine;
using System.Globalization;
using CausalPreference.IO;
using CausalPreference.Pipeline;
using CausalPreference.Refuters;
using CausalPreference.Training;

namespace CausalPreference.Cli.Commands;

/// <summary><c>causalpo refute</c>: placebo (shuffled outcomes) and subset-stability checks of a causal training run.</summary>
public static class RefuteCommand
{
    public static Command Build()
    {
        var cmd = new Command("refute", "Refutation checks of a causal run. Placebo: permute the outcomes (within groups), train, and require the estimated lift " +
            "over FT on held-out rows to have a 95% CI covering 0 (PASS/FAIL). Stability: train on two disjoint halves and compare their values on the same held-out rows. " +
            "Verdicts are INCONCLUSIVE when the importance weights leave fewer than 5 effective rows. Use the trainer settings of the run being checked, and --seed equal to the pipeline's seed to hold out the pipeline's held-out rows. Exit code 0 when every check passes (PASS / STABLE), 1 otherwise.");
        var data = new DataOptions(cmd, outcome: true);
        var model = Cli.Opt<string>("--model", "The FT model (start of training, baseline, and P̂^R unless --log-propensity-column gives design probabilities)", required: true);
        var objective = Cli.Opt<string>("--objective", "cpo or dr-cpo (oo-rlhf also accepted)", required: true);
        var outDir = Cli.Opt<string>("--out", "Output folder (placebo/, half-a/, half-b/, refute.json)", required: true);
        var check = Cli.Opt("--check", "placebo, stability or both", "both");
        var estimator = Cli.Opt<string?>("--estimator", "Estimator of the held-out values: WITHIN (within experiments; the default with --group-column), IPW, SNIPW (the default otherwise), DM, DR or SNDR");
        var testFraction = Cli.Opt("--test-fraction", "Share of rows (whole groups) held out for the estimates", 0.2);
        var maxRows = Cli.Opt("--max-rows", "Keep at most this many rows (whole groups, seeded); 0 = all", 0);
        foreach (var o in new Option[] { model, objective, outDir, check, estimator, testFraction, maxRows }) cmd.Options.Add(o);
        var train = new TrainOptions(cmd, CausalTrainingOptions.Refutation);
        var causal = new CausalOptions(cmd, CausalTrainingOptions.Refutation);
        Cli.SetAction(cmd, pr =>
        {
            OutputPath.RequireWritableFolder(pr.GetValue(outDir));
            var which = pr.GetValue(check)!;
            if (which is not ("placebo" or "stability" or "both")) throw new InputException($"unknown --check '{which}'; use placebo, stability or both");
            var opts = causal.Build(pr, train).Validated();
            var dir = pr.GetValue(outDir)!;
            if (pr.GetValue(train.Force) && Directory.Exists(dir))
                foreach (var sub in new[] { "placebo", "half-a", "half-b" }) TrainLoop.Reset(Path.Combine(dir, sub));
            var spec = data.Spec(pr);
            var req = new RefutationRequest(spec, pr.GetValue(model)!, PipelineConfig.ParseObjective(pr.GetValue(objective)!), opts, dir,
                Placebo: which != "stability", Stability: which != "placebo", TestFraction: pr.GetValue(testFraction), Estimator: pr.GetValue(estimator),
                MaxRows: pr.GetValue(maxRows), Device: train.GetDevice(pr));
            var r = Refutation.Run(req, Console.Error);
            // one readable format: decimals from the outcome's scale (FT's value) or, without it, from the intervals' width
            double scale = r.Stability?.Ft.Estimate is double ftv && double.IsFinite(ftv) && ftv != 0 ? ftv
                : r.Placebo is { } pl && double.IsFinite(pl.Lift.CiHigh - pl.Lift.CiLow) && pl.Lift.CiHigh > pl.Lift.CiLow ? 10 * (pl.Lift.CiHigh - pl.Lift.CiLow) : 1;
            var nf = new Reporting.NumberFormat(scale);
            string F(double v) => nf.Value(v);
            string D(double v) => nf.Difference(v);
            string Rows(double? e, string est) => est == "WITHIN" ? (e is null ? "paired over the held-out experiments" : $"fewer than {Causal.WithinExperimentValue.MinExperiments} held-out experiments")
                : "effective rows " + (e is double x ? x.ToString("0.#", CultureInfo.InvariantCulture) : "n/a");
            bool ok = true;
            if (r.Placebo is { } p)
            {
                Console.WriteLine($"placebo ({r.Objective}, {r.Estimator}, outcomes permuted {p.ShuffledWithin}; {p.TrainRows} training / {p.TestRows} held-out rows): " +
                    $"lift over FT {D(p.Lift.Difference)} [{D(p.Lift.CiLow)}, {D(p.Lift.CiHigh)}], {Rows(p.EffectiveRows, r.Estimator)}  {p.Verdict}");
                if (p.Verdict == "INCONCLUSIVE") Console.WriteLine($"  fewer than {Refutation.MinEffectiveRows} effective rows: the estimator cannot see a lift here, so covering 0 proves nothing (try --estimator DM, which uses no weights, or leave out --log-propensity-column so that P̂^R is the FT model)");
                ok &= p.Passed;
            }
            if (r.Stability is { } s)
            {
                Console.WriteLine($"stability ({r.Objective}, {r.Estimator}; halves of {s.RowsA} and {s.RowsB} rows, {s.TestRows} held-out rows):");
                foreach (var v in new[] { s.Ft, s.HalfA, s.HalfB })
                    Console.WriteLine($"  V({v.Model}) = {F(v.Estimate)} [{F(v.CiLow)}, {F(v.CiHigh)}]{(v.EssFraction is double e ? $"  ESS {e:P0}" : "")}");
                Console.WriteLine($"  V(half-a) − V(half-b) = {D(s.AMinusB.Difference)} [{D(s.AMinusB.CiLow)}, {D(s.AMinusB.CiHigh)}]  {Rows(s.EffectiveRows, r.Estimator)}  {s.Verdict}");
                Console.WriteLine($"  lifts over FT: half-a {D(s.LiftA.Difference)} [{D(s.LiftA.CiLow)}, {D(s.LiftA.CiHigh)}], half-b {D(s.LiftB.Difference)} [{D(s.LiftB.CiLow)}, {D(s.LiftB.CiHigh)}]");
                ok &= s.Stable;
            }
            Console.WriteLine($"details: {Path.Combine(dir, "refute.json")}");
            return ok ? Cli.Ok : Cli.Failure;
        });
        return cmd;
    }
}

namespace CausalPreference.Bench;

/// <summary>One estimator's behaviour across replications against a known true value.</summary>
public sealed record EstimatorCoverage(string Estimator, double Coverage, double CoverageMcSe, double Bias, double Rmse,
    double MeanStdError, double EmpiricalSd, double MeanCiWidth, int Undefined)
{
    /// <summary>Summarizes estimates, standard errors and intervals of R replications; intervals with a NaN end count as misses.</summary>
    public static EstimatorCoverage From(string name, double truth, double[] estimates, double[] stdErrors, double[] lo, double[] hi)
    {
        int reps = estimates.Length, covered = 0, undefined = 0;
        double width = 0;
        for (int r = 0; r < reps; r++)
        {
            if (!double.IsFinite(lo[r]) || !double.IsFinite(hi[r])) { undefined++; continue; }
            if (lo[r] <= truth && truth <= hi[r]) covered++;
            width += hi[r] - lo[r];
        }
        double coverage = (double)covered / reps;
        double mean = estimates.Average();
        double sd = Math.Sqrt(estimates.Sum(e => (e - mean) * (e - mean)) / (reps - 1));
        double rmse = Math.Sqrt(estimates.Average(e => (e - truth) * (e - truth)));
        var finiteSe = stdErrors.Where(double.IsFinite).ToArray();
        return new EstimatorCoverage(name, coverage, Math.Sqrt(coverage * (1 - coverage) / reps), mean - truth, rmse,
            finiteSe.Length > 0 ? finiteSe.Average() : double.NaN, sd, reps > undefined ? width / (reps - undefined) : double.NaN, undefined);
    }
}

namespace CausalPreference.Simulation;

/// <summary>One arm of a simulated A/B test (<see cref="World.GenerateExperiments"/>).</summary>
/// <param name="Experiment">The experiment's id.</param>
/// <param name="Text">The tested text.</param>
/// <param name="Outcome">Mean outcome of the readers shown this arm (the click rate in a binary world).</param>
/// <param name="Readers">How many readers were shown this arm.</param>
/// <param name="LogPropensity">log P^R(row | experiment) = log(1/arms): every arm of the experiment equally likely.</param>
public sealed record ExperimentArm(string Experiment, string Text, double Outcome, int Readers, double LogPropensity)
{
    /// <summary>The CSV header <see cref="Write"/> uses.</summary>
    public static readonly string[] Header = ["experiment", "text", "outcome", "readers", "log_propensity"];

    /// <summary>Writes arms as CSV (atomically), with the header <see cref="Header"/>.</summary>
    public static void Write(string path, IEnumerable<ExperimentArm> arms) =>
        Data.TableWriter.Write(path, Header, arms.Select(a => (IReadOnlyList<object?>)new object?[] { a.Experiment, a.Text, a.Outcome, a.Readers, a.LogPropensity }));
}

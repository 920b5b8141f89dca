using System.CommandLine;
using CausalPreference.Training;

namespace CausalPreference.Cli;

/// <summary>The flags of the causal objectives (<c>train</c>, <c>refute</c>), each the kebab-case of a
/// <see cref="CausalTrainingOptions"/> parameter, with its default from there.</summary>
public sealed class CausalOptions
{
    public readonly Option<int> Folds, M;
    public readonly Option<string> Normalization;
    public readonly Option<double?> MaxLogWeight = Cli.Opt<double?>("--max-log-weight", "Clip log importance ratios above this value (off by default; clipped counts are logged)");
    public readonly Option<double> AnchorWeight, EssFloor;
    public readonly Option<bool> PaperExact = Cli.Opt<bool>("--paper-exact", "The paper's exact objective: no adaptive anchor, best epoch by the validation V̂. On a small model the policy " +
        "can leave the data's support and break its grammar; the run still states what it can certify");
    public readonly Option<double?> OutcomeFloor = Cli.Opt<double?>("--outcome-floor", "The outcome assumed for a text outside the data's support when certifying the improvement over FT " +
        "(on the outcome's own scale; default: the worst outcome in the training rows)");
    public readonly Option<bool> ReferenceFromModel = Cli.Opt<bool>("--reference-from-model", "Use the FT model as P̂^R for the objective even when --log-propensity-column gives design " +
        "probabilities (these then serve the held-out certificate only)");
    public readonly Option<string?> Weighting = Cli.Opt<string?>("--weighting", "within-experiment: normalize the weights within each experiment of --group-column (rows randomized " +
        "within it; a step takes --batch-size whole experiments; P̂^R(X | experiment) = the FT model's P(X) × the row's design probability, 1/k without " +
        "--log-propensity-column); pooled: one scope per step over all its rows. Default: within-experiment when --group-column is given, else pooled");

    public CausalOptions(Command cmd, CausalTrainingOptions defaults)
    {
        Folds = Cli.Opt("--folds", "Cross-fitting folds for ĝ", defaults.Folds);
        M = Cli.Opt("--m", "Number of X̃ samples to draw from f0 (0 = 2 × training rows)", defaults.M);
        Normalization = Cli.Opt("--normalization", "self (self-normalized per batch, default) or ht (Horvitz–Thompson)", "self");
        AnchorWeight = Cli.Opt("--anchor-weight", "λ of the likelihood anchor (not in the paper): minimize −V̂ + λ·(mean NLL per token of the step's texts). " +
            "Overlap-aware training adapts λ and this is its starting value (0 = the default, 1); with --paper-exact it is a fixed λ (0 = off)", defaults.AnchorWeight);
        EssFloor = Cli.Opt("--ess-floor", "Overlap-aware training: the ESS fraction (pooled over 4 steps) below which the anchor's λ grows", defaults.EssFloor);
        foreach (var o in new Option[] { Folds, M, Normalization, MaxLogWeight, AnchorWeight, PaperExact, EssFloor, OutcomeFloor, ReferenceFromModel, Weighting }) cmd.Options.Add(o);
    }

    /// <summary>Every setting of a causal run from the flags (not yet validated).</summary>
    public CausalTrainingOptions Build(ParseResult pr, TrainOptions train) => new()
    {
        Trainer = train.Build(pr), ValidationFraction = pr.GetValue(train.ValFraction), Lora = train.GetLora(pr),
        Normalization = CausalTrainingOptions.ParseNormalization(pr.GetValue(Normalization)!), MaxLogWeight = pr.GetValue(MaxLogWeight),
        AnchorWeight = pr.GetValue(AnchorWeight), PaperExact = pr.GetValue(PaperExact), EssFloor = pr.GetValue(EssFloor),
        OutcomeFloor = pr.GetValue(OutcomeFloor), ReferenceFromModel = pr.GetValue(ReferenceFromModel),
        WithinExperiments = CausalTrainingOptions.ParseWeighting(pr.GetValue(Weighting)), Folds = pr.GetValue(Folds), M = pr.GetValue(M),
    };
}

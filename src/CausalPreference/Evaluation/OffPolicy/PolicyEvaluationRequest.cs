using CausalPreference.Causal;
using CausalPreference.Data;
using TorchSharp;

namespace CausalPreference.Evaluation.OffPolicy;

/// <summary>What <see cref="PolicyEvaluation.Run"/> evaluates, and how.</summary>
/// <param name="Data">Held-out direct-outcome rows (text, outcome, optional log-propensity, weight, prompt, group), logged under P^R.</param>
/// <param name="ModelPaths">The models f to evaluate (checkpoint or Hugging Face folders, or anything <c>Checkpoint.Load</c> reads).</param>
/// <param name="Names">Display names, one per model (default: each folder's name, made unique).</param>
/// <param name="Baseline">Name of the model every other model is compared with (default: the first).</param>
/// <param name="LoggingModelPath">The FT model whose log-probabilities estimate log P̂^R(X_i) when the data has no
/// log-propensity column; ignored when it has one.</param>
/// <param name="OutcomeModelDir">A saved outcome model ĝ (fit on other data); default: the lexical model cross-fitted on the held-out rows.</param>
/// <param name="PolicySamples">Texts X̃ drawn from each model (pure ancestral sampling) for DM/DR/SNDR's E_f[ĝ]; 0 skips those estimators.</param>
/// <param name="Estimate">Interval method, clipping and overlap threshold (<see cref="EstimateOptions.RefuseOnPoorOverlap"/> is handled by <see cref="RefuseOnPoorOverlap"/>).</param>
/// <param name="RefuseOnPoorOverlap">Fail, reporting nothing, when a model's ESS fraction on the held-out rows is below <see cref="EstimateOptions.MinEssFraction"/>.</param>
/// <param name="CacheDir">Folder of the fingerprinted score and sample caches.</param>
/// <param name="Folds">Cross-fitting folds of the default outcome model.</param>
/// <param name="Seed">Seed of the policy samples and the fold assignment.</param>
/// <param name="Device">Where the models run (default CPU).</param>
/// <param name="Sampling">How the policy samples are drawn (its seed is replaced by <see cref="Seed"/>). Null: pure ancestral
/// sampling with at most twice as many new tokens as the longest held-out text has (so samples stay in the data's range).
/// Temperature, top-k or top-p change the distribution, so DM/DR/SNDR then value that sampler, not the model.</param>
public sealed record PolicyEvaluationRequest(
    DirectOutcomeDataset Data,
    IReadOnlyList<string> ModelPaths,
    IReadOnlyList<string>? Names,
    string? Baseline,
    string? LoggingModelPath,
    string? OutcomeModelDir,
    int PolicySamples,
    EstimateOptions Estimate,
    bool RefuseOnPoorOverlap,
    string CacheDir,
    int Folds = 5,
    long Seed = 1,
    torch.Device? Device = null,
    Models.SamplerSettings? Sampling = null);

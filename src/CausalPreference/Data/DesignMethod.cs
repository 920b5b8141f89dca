namespace CausalPreference.Data;

/// <summary>How the design probability of an arm of an A/B test is formed (docs/data.md).</summary>
public enum DesignMethod
{
    /// <summary>log P^R(x) = log(1/#tests) + log(impressions of x / impressions of its test): a test drawn uniformly,
    /// then an arm with the probability it was shown with (≈ 1/k for k arms; the impression share estimates it).</summary>
    TestUniform,
    /// <summary>log P^R(x) = log(impressions of x / all impressions): the headline a random impression showed.</summary>
    ImpressionShare,
    /// <summary>log P^R(x) = log(1/#tests) + log(1/k): a test drawn uniformly, then one of its k rows uniformly — the design
    /// of a test with equal allocation whose rows are its arms (one row per tested text, outcome its mean). Within
    /// experiments only log(1/k) matters; impressions are not needed.</summary>
    ArmUniform,
}

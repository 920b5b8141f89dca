using CausalPreference.Training;

namespace CausalPreference.Tests.Training;

public class AnchorControllerTests
{
    static readonly OverlapOptions Options = OverlapOptions.Default with { InitialAnchorWeight = 1, EssFloor = 0.3, AdaptEvery = 2, AdaptFactor = 2, MinAnchorWeight = 0.25, MaxAnchorWeight = 4 };

    // log ratios whose pooled ESS fraction is about 1 (all equal) or about 1/8 (one row dominates)
    static readonly double[] Even = [0, 0, 0, 0];
    static readonly double[] Peaked = [10, 0, 0, 0];

    [Fact]
    public void LambdaGrowsWhenThePooledESSFallsBelowTheFloorAndShrinksAboveTheBand()
    {
        var c = new AnchorController(Options);
        c.Observe(Peaked);
        Assert.Equal(1, c.Weight);          // mid-window: unchanged
        c.Observe(Even);                    // pooled over 8 rows: one row with e^10 dominates -> ESS ≈ 1/8 < 0.3
        Assert.Equal(2, c.Weight);
        Assert.InRange(c.LastWindowEssFraction, 0.12, 0.13);
        for (int i = 0; i < 6; i++) c.Observe(Peaked);
        Assert.Equal(4, c.Weight);          // capped at the maximum
        for (int i = 0; i < 12; i++) c.Observe(Even);
        Assert.Equal(0.25, c.Weight);       // ESS 1 > (1 + 0.3)/2: halved each window down to the minimum
        // inside the band [0.3, 0.65] λ stays
        double[] mild = [2.5, 0, 0, 0]; // pooled: (2e^2.5 + 6)² / (2e^5 + 6) / 8 ≈ 0.38
        c.Observe(mild); c.Observe(mild);
        Assert.InRange(c.LastWindowEssFraction, 0.3, 0.65);
        Assert.Equal(0.25, c.Weight);
    }

    [Fact]
    public void ASavedStateResumesMidWindowExactly()
    {
        var a = new AnchorController(Options);
        a.Observe(Peaked);
        var saved = a.Save();
        var b = new AnchorController(Options);
        b.Load(saved);
        a.Observe(Even); b.Observe(Even);
        Assert.Equal(a.Weight, b.Weight);
        Assert.Equal(a.LastWindowEssFraction, b.LastWindowEssFraction);
        Assert.Equal(2, b.Weight);
    }

    [Fact]
    public void Lambda_grows_when_the_policy_leaves_the_datas_texts_even_with_an_even_ESS()
    {
        // every text at half FT's probability: the weights are even (ESS 1), but the policy keeps only half its mass there
        double[] halved = [Math.Log(0.5), Math.Log(0.5), Math.Log(0.5), Math.Log(0.5)];
        var guarded = new AnchorController(Options with { MinRetainedMass = 0.8 });
        guarded.Observe(halved); guarded.Observe(halved);
        Assert.Equal(0.5, guarded.LastWindowRetainedMass, 12);
        Assert.Equal(2, guarded.Weight);
        var plain = new AnchorController(Options);
        plain.Observe(halved); plain.Observe(halved);
        Assert.Equal(0.5, plain.Weight);     // without the guard only the ESS counts: halved
        // a mean ratio of 1 with spread (2 and 0): kept mass 1, no growth from the guard
        double[] spread = [Math.Log(1.5), Math.Log(0.5), Math.Log(1.5), Math.Log(0.5)];
        var ok = new AnchorController(Options with { MinRetainedMass = 0.8 });
        ok.Observe(spread); ok.Observe(spread);
        Assert.Equal(1, ok.LastWindowRetainedMass, 12);
        Assert.True(ok.Weight <= 1);
    }
}

using CausalPreference.Causal;

namespace CausalPreference.Training;

/// <summary>
/// The adaptive λ of the likelihood anchor (<see cref="OverlapOptions"/>): collects the log importance ratios of the
/// steps of one window, and at the window's end moves λ by the adaptation factor so that the pooled ESS fraction stays
/// within [floor, (1 + floor)/2]. Its whole state is a few numbers, saved with the run so a resume continues exactly.
/// </summary>
public sealed class AnchorController
{
    readonly OverlapOptions _o;
    readonly List<double> _window = new();
    int _steps;

    /// <summary>A controller starting at λ = <see cref="OverlapOptions.InitialAnchorWeight"/>, adapting within the options' bounds.</summary>
    public AnchorController(OverlapOptions options)
    {
        _o = options;
        Weight = options.InitialAnchorWeight;
    }

    /// <summary>The λ to use at the next step.</summary>
    public double Weight { get; private set; }

    /// <summary>Mean of exp(log ratio) over the last finished window: the policy's mass on the window's texts relative to
    /// the reference's (NaN before the first; meaningful when the ratios are P^f/P^FT).</summary>
    public double LastWindowRetainedMass { get; private set; } = double.NaN;

    /// <summary>The pooled ESS fraction of the last finished window (NaN before the first).</summary>
    public double LastWindowEssFraction { get; private set; } = double.NaN;

    /// <summary>Records one step's log importance ratios; adapts λ when a window is complete.</summary>
    public void Observe(IEnumerable<double> logRatios)
    {
        _window.AddRange(logRatios.Where(double.IsFinite));
        if (++_steps < _o.AdaptEvery) return;
        if (_window.Count > 0)
        {
            double ess = WeightDiagnostics.FromLogWeights(_window.ToArray()).EssFraction;
            LastWindowEssFraction = ess;
            double mass = WeightDiagnostics.MeanWeight(_window); // retained mass: mean of exp(d) over the window
            LastWindowRetainedMass = mass;
            bool leaking = _o.MinRetainedMass > 0 && mass < _o.MinRetainedMass;
            if (ess < _o.EssFloor || leaking) Weight = Math.Min(_o.MaxAnchorWeight, Math.Max(_o.MinAnchorWeight, Weight) * _o.AdaptFactor);
            else if (ess > (1 + _o.EssFloor) / 2) Weight = Math.Max(_o.MinAnchorWeight, Weight / _o.AdaptFactor);
        }
        _window.Clear();
        _steps = 0;
    }

    /// <summary>The state to save with a checkpoint: λ, the last window's ESS and the current window's ratios.</summary>
    public Dictionary<string, double> Save()
    {
        var d = new Dictionary<string, double> { ["anchor_weight"] = Weight, ["window_ess_fraction"] = LastWindowEssFraction, ["window_steps"] = _steps };
        for (int i = 0; i < _window.Count; i++) d[$"window_{i}"] = _window[i];
        return d;
    }

    /// <summary>Restores a saved state.</summary>
    public void Load(IReadOnlyDictionary<string, double>? saved)
    {
        if (saved is null) return;
        if (saved.TryGetValue("anchor_weight", out var w)) Weight = w;
        if (saved.TryGetValue("window_ess_fraction", out var e)) LastWindowEssFraction = e;
        _window.Clear();
        _steps = saved.TryGetValue("window_steps", out var k) ? (int)k : 0;
        for (int i = 0; saved.TryGetValue($"window_{i}", out var v); i++) _window.Add(v);
    }
}

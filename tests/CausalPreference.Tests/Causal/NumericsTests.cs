using System.Text.Json;
using CausalPreference.Causal;
using CausalPreference.Models;
using CausalPreference.Text;
using CausalPreference.Training;
using static TorchSharp.torch;

namespace CausalPreference.Tests.Causal;

/// <summary>
/// Extreme but legal inputs stay finite: log-ratios of ±1000, outcomes of ±1e6, batches of one and all-identical texts,
/// for every objective and both normalizations, first on <see cref="Objectives.Compute"/> in the combinations the
/// Causal tests do not cover, then through real <see cref="CausalTrainer"/> steps on a micro model (losses, gradients
/// after clipping, and every weight).
/// </summary>
public sealed class NumericsTests : IDisposable
{
    readonly Workspace _ws = new();

    public void Dispose() => _ws.Dispose();

    public static TheoryData<ObjectiveKind, WeightNormalization> AllObjectives()
    {
        var d = new TheoryData<ObjectiveKind, WeightNormalization>();
        foreach (var k in new[] { ObjectiveKind.Cpo, ObjectiveKind.DrCpo, ObjectiveKind.OoRlhf })
        foreach (var n in new[] { WeightNormalization.SelfNormalized, WeightNormalization.HorvitzThompson })
            d.Add(k, n);
        return d;
    }

    [Theory]
    [MemberData(nameof(AllObjectives))]
    public void IdenticalRowsAtTheExtremesAndSingleExtremeRowsAreFinite(ObjectiveKind kind, WeightNormalization norm)
    {
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
        foreach (int n in new[] { 1, 6 })
        foreach (double d in new[] { 1000.0, -1000.0 })
        foreach (double y in new[] { 1e6, -1e6 })
        {
            using var scope = NewDisposeScope();
            var lf = full(n, d, dtype).requires_grad_(true);
            var lft = full(n, d, dtype).requires_grad_(true);
            var zero = zeros(n, dtype);
            var ys = full(n, y, dtype);
            var inputs = new ObjectiveInputs(lf, zero, ys, full(n, -y, dtype), lft, zero, ys);
            using var r = Objectives.Compute(kind, inputs, new ObjectiveOptions(norm));
            double v = r.Value.item<double>();
            string what = $"{kind} {norm} {dtype} n={n} d={d} y={y}";
            Assert.True(double.IsFinite(v), $"{what}: value {v}");
            if (norm == WeightNormalization.SelfNormalized)
            {
                // identical rows: equal weights, so V̂ is the row value exactly (CPO y, OO ĝ(X̃) = y, DR (y − (−y)) + y)
                double expected = kind switch { ObjectiveKind.Cpo => y, ObjectiveKind.OoRlhf => y, _ => 3 * y };
                Assert.Equal(expected, v, 6);
            }
            r.Loss.backward();
            foreach (var t in new[] { lf, lft })
                if (t.grad is not null)
                    Assert.True(t.grad.isfinite().all().item<bool>(), $"{what}: non-finite gradient");
        }
    }

    static readonly string[] Mixed = ["the cat sat", "a dog ran", "the cat sat", "a bird flew", "the fish swam", "a dog ran"];

    /// <summary>Log-ratios alternate +1000, −1000, 0, +500, ... relative to the policy's own starting log-probabilities.</summary>
    static double[] Offsets(int n) => Enumerable.Range(0, n).Select(i => (i % 4) switch { 0 => 1000.0, 1 => -1000.0, 2 => 0.0, _ => 500.0 }).ToArray();

    static CausalData Data(CausalLM policy, ITokenizer tok, string[] texts, double[] outcomes)
    {
        var lp = SequenceScorer.Score(policy, tok, texts);
        var off = Offsets(texts.Length);
        var reference = lp.Select((v, i) => v - off[i]).ToArray();
        var gHat = outcomes.Select(y => -0.5 * y).ToArray();
        return new CausalData(texts, null, outcomes, reference, gHat, texts, null, reference, outcomes);
    }

    /// <summary>Trains a micro policy for two epochs; checks every logged loss, every validation loss and every weight.
    /// With <paramref name="mayOverflow"/> the run may instead stop with the loop's gradient-overflow error, but the
    /// weights must still be finite (the overflowing step is never applied).</summary>
    void TrainAndCheck(ObjectiveKind kind, WeightNormalization norm, string[] texts, double[] outcomes, int batch, string name,
        double? maxLogWeight = null, bool mayOverflow = false)
    {
        manual_seed(5);
        var policy = ModelFactory.Create(ModelConfig.Micro);
        var tok = new ByteTokenizer();
        var data = Data(policy, tok, texts, outcomes);
        var dir = _ws.Path(name);
        var opts = new TrainerOptions { Epochs = 2, BatchSize = batch, LearningRate = 1e-2, Seed = 3 };
        string what = $"{kind} {norm} batch {batch} cap {maxLogWeight}";
        TrainResult? r = null;
        try { r = CausalTrainer.Train(policy, tok, kind, data, data, new ObjectiveOptions(norm, maxLogWeight), opts, dir, "numerics"); }
        catch (InvalidOperationException e) when (mayOverflow && e.Message.Contains("gradient overflowed")) { }

        var log = Path.Combine(dir, "train_log.jsonl");
        var lines = File.Exists(log) ? File.ReadAllLines(log) : [];
        if (r != null) Assert.Equal(r.Steps, lines.Length);
        foreach (var l in lines)
        {
            var e = JsonDocument.Parse(l).RootElement;
            Assert.True(e.GetProperty("loss").ValueKind == JsonValueKind.Number && double.IsFinite(e.GetProperty("loss").GetDouble()), $"{what}: {l}");
            if (e.TryGetProperty("grad_norm", out var g)) Assert.True(g.ValueKind == JsonValueKind.Number, $"{what}: grad norm {l}");
        }
        foreach (var (pname, p) in policy.named_parameters())
            Assert.True(p.isfinite().all().item<bool>(), $"{what}: parameter {pname} has NaN or ±∞");
        if (r is null) return;
        foreach (var ep in r.Epochs) Assert.True(double.IsFinite(ep["validation_loss"]), $"{what}: validation loss");
        foreach (var (pname, p) in Checkpoint.Load(dir).model.named_parameters())
            Assert.True(p.isfinite().all().item<bool>(), $"{what}: saved parameter {pname} has NaN or ±∞");
        Assert.True(SequenceScorer.Score(policy, tok, texts).All(double.IsFinite), $"{what}: scores after training");
    }

    [Theory]
    [MemberData(nameof(AllObjectives))]
    public void TrainerStepsWithMillionOutcomesAndThousandLogRatiosStayFinite(ObjectiveKind kind, WeightNormalization norm) =>
        TrainAndCheck(kind, norm, Mixed, [1e6, -1e6, 1e6, 0, 5e5, -1e6], batch: 3, "million");

    static readonly string[] Same = Enumerable.Repeat("the same text", 4).ToArray();
    static readonly double[] SameOutcomes = [1e6, 1e6, -1e6, 1e6];

    [Theory]
    [InlineData(ObjectiveKind.Cpo)]
    [InlineData(ObjectiveKind.DrCpo)]
    [InlineData(ObjectiveKind.OoRlhf)]
    public void SelfNormalizedStepsOnIdenticalTextsInBatchesOfOneStayFinite(ObjectiveKind kind) =>
        TrainAndCheck(kind, WeightNormalization.SelfNormalized, Same, SameOutcomes, batch: 1, "identical");

    [Theory]
    [InlineData(ObjectiveKind.Cpo)]
    [InlineData(ObjectiveKind.DrCpo)]
    [InlineData(ObjectiveKind.OoRlhf)]
    public void HorvitzThompsonStepsOnIdenticalTextsInBatchesOfOneStayFiniteWithACap(ObjectiveKind kind) =>
        TrainAndCheck(kind, WeightNormalization.HorvitzThompson, Same, SameOutcomes, batch: 1, "identical-capped", maxLogWeight: 20);

    /// <summary>Uncapped HT weights of exp(500) times 1e6 overflow the float32 backward pass even though the float64 loss is
    /// finite; the loop must refuse that step (a clear error) rather than write NaN weights.</summary>
    [Theory]
    [InlineData(ObjectiveKind.Cpo)]
    [InlineData(ObjectiveKind.DrCpo)]
    [InlineData(ObjectiveKind.OoRlhf)]
    public void UncappedHorvitzThompsonNeverLeavesNaNWeights(ObjectiveKind kind) =>
        TrainAndCheck(kind, WeightNormalization.HorvitzThompson, Same, SameOutcomes, batch: 1, "identical-uncapped", mayOverflow: true);
}

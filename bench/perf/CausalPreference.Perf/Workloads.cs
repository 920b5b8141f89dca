using CausalPreference.Causal;
using CausalPreference.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CausalPreference.Perf;

/// <summary>A prepared workload: what it runs, how many token positions one iteration processes, and the iteration.</summary>
sealed record Workload(string Shape, long TokensPerIteration, Action Run);

/// <summary>
/// The library's own code paths for each workload kind of the plan. A training step is the body of
/// <c>TrainLoop.Run</c> (zero_grad, loss, item, backward, clip_grad_norm_, AdamW step, inside a dispose scope) around
/// the loss that <c>SftTrainer</c> or <c>CausalTrainer</c> builds; scoring is <see cref="SequenceScorer.LogProb(CausalLM, TokenBatch)"/>
/// without gradient; generation is <see cref="TextGenerator.Generate"/> itself. The model is initialized on the CPU
/// (same seed as before), then moved to <c>device</c> and cast to <c>dtype</c> (pure bfloat16, like
/// <c>model.to(torch.bfloat16)</c>); batches and objective inputs are created on the device.
/// </summary>
static class Workloads
{
    public static Workload Create(PlanWorkload w, ModelConfig c, Random rng, Device device, ScalarType dtype)
    {
        torch.manual_seed(1);
        var model = new Gpt2Model(c);
        if (device.type != DeviceType.CPU) model.to(device);
        if (dtype != ScalarType.Float32) model.to(dtype);
        var tok = new SyntheticTokenizer(c.VocabSize);
        TokenBatch Batch(int[] lengths) => Workloads.Batch(tok, lengths, rng, device);
        switch (w.Kind)
        {
            case "train_ft":
            {
                var batch = Batch(Enumerable.Repeat(w.Seq, w.Batch).ToArray());
                var opt = Optimizer(model);
                model.train();
                Tensor Loss()
                {
                    var lp = SequenceScorer.LogProb(model, batch);
                    var ntok = batch.TargetMask.sum().item<float>();
                    return -lp.sum() / ntok;
                }
                return new Workload($"B={w.Batch} T={w.Seq}", (long)w.Batch * w.Seq, () => Step(opt, Loss));
            }
            case "dr_cpo":
            {
                var lengths = w.Lengths ?? throw new InvalidDataException("dr_cpo needs lengths");
                var tilde = w.TildeLengths ?? throw new InvalidDataException("dr_cpo needs tilde_lengths");
                var labeled = Batch(lengths);
                var unlabeled = Batch(tilde);
                double[] Draw(int n, double shift) => Enumerable.Range(0, n).Select(_ => rng.NextDouble() + shift).ToArray();
                var (reference, y, g) = (Draw(lengths.Length, -300), Draw(lengths.Length, 0), Draw(lengths.Length, 0));
                var (f0, gt) = (Draw(tilde.Length, -300), Draw(tilde.Length, 0));
                var opt = Optimizer(model);
                model.train();
                Tensor Loss()
                {
                    // as CausalTrainer's step: two policy passes, the objective with its diagnostics, the value read back
                    var lp = SequenceScorer.LogProb(model, labeled);
                    labeled.TargetMask.sum().item<float>();
                    var lpt = SequenceScorer.LogProb(model, unlabeled);
                    unlabeled.TargetMask.sum().item<float>();
                    Tensor T(double[] v) => tensor(v, device: device);
                    var r = Objectives.Compute(ObjectiveKind.DrCpo,
                        new ObjectiveInputs(lp, T(reference), T(y), T(g), lpt, T(f0), T(gt)));
                    r.Value.item<double>();
                    return r.Loss;
                }
                return new Workload($"n={lengths.Length} m={tilde.Length} padded", lengths.Sum() + tilde.Sum(),
                    () => Step(opt, Loss));
            }
            case "score":
            {
                var batch = Batch(Enumerable.Repeat(w.Seq, w.Batch).ToArray());
                model.eval();
                void Run()
                {
                    using var scope = NewDisposeScope();
                    using var _ = no_grad();
                    SequenceScorer.LogProb(model, batch).cpu().data<double>().ToArray();
                }
                return new Workload($"B={w.Batch} T={w.Seq}", (long)w.Batch * w.Seq, Run);
            }
            case "generate":
            {
                var prompts = Enumerable.Repeat<string?>(null, w.Batch).ToArray();
                var settings = new SamplerSettings { MaxNewTokens = w.NewTokens, BatchSize = w.Batch, Seed = 1, Greedy = w.Greedy };
                void Run()
                {
                    var texts = TextGenerator.Generate(model, tok, prompts, settings);
                    if (texts.Any(t => t.Tokens != w.NewTokens))
                        throw new InvalidOperationException($"generation stopped early ({string.Join(",", texts.Select(t => t.Tokens))} tokens)");
                }
                return new Workload($"batch {w.Batch}, {w.NewTokens} new tokens" + (w.Greedy ? ", greedy" : ""), (long)w.Batch * w.NewTokens, Run);
            }
            default:
                throw new InvalidDataException($"unknown workload kind '{w.Kind}' in plan.json");
        }
    }

    /// <summary>Random sequences of the given lengths (BOS first, every later token a target), right-padded.</summary>
    static TokenBatch Batch(SyntheticTokenizer tok, int[] lengths, Random rng, Device device)
    {
        var seqs = lengths.Select(n =>
        {
            var ids = new int[n];
            ids[0] = tok.BosId;
            for (int j = 1; j < n; j++) ids[j] = rng.Next(tok.VocabSize - 1);
            return (ids, 1, false);
        }).ToList();
        return TokenBatch.FromSequences(tok, seqs, device);
    }

    /// <summary>AdamW over the trainable parameters, as TrainLoop.Run builds it.</summary>
    static (optim.Optimizer opt, List<TorchSharp.Modules.Parameter> trainable) Optimizer(CausalLM model)
    {
        var trainable = model.UniqueParameters().Where(p => p.requires_grad).ToList();
        return (optim.AdamW(trainable, 5e-5, 0.9, 0.999, 1e-8, 0.0), trainable);
    }

    /// <summary>One optimizer step as TrainLoop.Run takes it.</summary>
    static void Step((optim.Optimizer opt, List<TorchSharp.Modules.Parameter> trainable) o, Func<Tensor> loss)
    {
        var (opt, trainable) = o;
        using (NewDisposeScope())
        {
            opt.zero_grad();
            var l = loss();
            var value = l.to(ScalarType.Float64).item<double>();
            if (!double.IsFinite(value)) throw new InvalidOperationException($"loss became {value}");
            l.backward();
            nn.utils.clip_grad_norm_(trainable, 1.0);
            opt.step();
        }
        GC.Collect(0); // as TrainLoop.Run does after every step
    }
}

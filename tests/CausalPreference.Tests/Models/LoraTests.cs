using System.Text.Json;
using CausalPreference.IO;
using CausalPreference.Models;
using CausalPreference.Text;
using static TorchSharp.torch;
using static CausalPreference.Tests.Models.Fixtures;

namespace CausalPreference.Tests.Models;

[Collection(TorchSerialCollection.Name)]
public class LoraTests
{
    static readonly long[] Ids = { 256, 104, 101, 108, 108, 111, 33 };
    static readonly string[] Texts = { "hello", "abc", "xyz q" };

    /// <summary>A few Adam steps on the adapters only, raising the likelihood of <see cref="Texts"/>.</summary>
    static void Train(CausalLM model, int steps = 5)
    {
        var opt = optim.Adam(LoraAdapters.TrainableParameters(model), 0.05);
        var tok = new ByteTokenizer();
        model.train();
        for (int s = 0; s < steps; s++)
        {
            using var scope = NewDisposeScope();
            using var b = TokenBatch.Create(tok, Texts, model.Config.ContextLength);
            opt.zero_grad();
            (-SequenceScorer.LogProb(model, b).mean()).backward();
            opt.step();
        }
        model.eval();
    }

    static CausalLM Fresh(ModelConfig cfg, int seed) { manual_seed(seed); return ModelFactory.Create(cfg); }

    [Fact]
    public void AttachStartsAtTheBaseModelAndFreezesIt()
    {
        foreach (var cfg in new[] { TinyLlama, ModelConfig.Micro })
        {
            var model = Fresh(cfg, 31);
            var baseLogits = Logits(model, Ids);
            int n = LoraAdapters.Attach(model);
            Assert.Equal(cfg.Layers * (cfg.Family == "gpt2" ? 1 : 2), n); // c_attn, or q_proj + v_proj, per layer
            Assert.True(baseLogits.equal(Logits(model, Ids)).all().item<bool>(), "B = 0 must leave the model unchanged");
            var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToList();
            Assert.Equal(2 * n, trainable.Count);
            Assert.All(trainable, name => Assert.Matches(@"\.lora_[AB]$", name));
            var layer = LoraAdapters.Layers(model).First(l => l.layer.HasAdapter).layer;
            Assert.Equal(new long[] { 8, layer.InFeatures }, layer.lora_A!.shape);
            Assert.Equal(new long[] { layer.OutFeatures, 8 }, layer.lora_B!.shape);
            Assert.Equal(1.0, layer.Scaling); // α / r = 8 / 8
        }
    }

    [Fact]
    public void TrainingChangesOutputsAndDisabledGivesTheBaseExactly()
    {
        var model = Fresh(TinyLlama, 32);
        var baseLogits = Logits(model, Ids);
        var baseWeights = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        LoraAdapters.Attach(model);
        Train(model);
        var adapted = Logits(model, Ids);
        Assert.False(adapted.allclose(baseLogits, 1e-3, 1e-3), "training the adapters did not change the model");
        foreach (var (name, w) in baseWeights) Assert.True(w.equal(model.state_dict()[name]).all().item<bool>(), $"{name} changed: the base must stay frozen");
        using (LoraAdapters.Disabled(model))
        {
            Assert.True(baseLogits.equal(Logits(model, Ids)).all().item<bool>(), "disabled adapters must give the base model exactly");
            using (LoraAdapters.Disabled(model)) { } // nesting restores the outer state
            Assert.True(baseLogits.equal(Logits(model, Ids)).all().item<bool>());
        }
        Assert.True(adapted.equal(Logits(model, Ids)).all().item<bool>(), "adapters are back on after the using block");
    }

    [Fact]
    public void MergeAndExportGiveTheAdaptedScores()
    {
        foreach (var cfg in new[] { TinyLlama, ModelConfig.Micro })
        {
            var model = Fresh(cfg, 33);
            LoraAdapters.Attach(model, new LoraOptions { Rank = 4, Alpha = 16, Dropout = 0.0 });
            Train(model);
            var tok = new ByteTokenizer();
            var adapted = SequenceScorer.Score(model, tok, Texts);

            var dir = TempDir();
            Checkpoint.Save(model, tok, dir, saveAdapters: true); // merged weights: a complete model
            Assert.True(File.Exists(Path.Combine(dir, LoraAdapters.WeightsFile)));
            var (reloaded, _) = Checkpoint.Load(dir);
            Assert.False(LoraAdapters.HasAdapters(reloaded));
            var fromCheckpoint = SequenceScorer.Score(reloaded, tok, Texts);

            var hfDir = TempDir();
            HfFormat.Save(model, tok, hfDir);
            var fromHf = SequenceScorer.Score(HfFormat.Load(hfDir).model, tok, Texts);

            LoraAdapters.Merge(model);
            Assert.False(LoraAdapters.HasAdapters(model));
            Assert.All(model.parameters(), p => Assert.True(p.requires_grad));
            var merged = SequenceScorer.Score(model, tok, Texts);
            for (int i = 0; i < Texts.Length; i++)
            {
                Assert.Equal(adapted[i], merged[i], 4);
                Assert.Equal(adapted[i], fromCheckpoint[i], 4);
                Assert.Equal(adapted[i], fromHf[i], 4);
            }
        }
    }

    [Fact]
    public void AdaptersRoundTripThroughPeftFiles()
    {
        var model = Fresh(TinyLlama, 34);
        LoraAdapters.Attach(model);
        Train(model);
        var adapted = Logits(model, Ids);
        var dir = TempDir();
        LoraAdapters.Save(model, dir, baseModel: "my-base");

        var header = ReadHeader(Path.Combine(dir, LoraAdapters.WeightsFile));
        Assert.Contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", header.Keys);
        Assert.Contains("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight", header.Keys);
        Assert.Equal(8, header.Count); // 2 layers × (q, v) × (A, B)
        using var cfg = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, LoraAdapters.ConfigFile)));
        var root = cfg.RootElement;
        Assert.Equal("LORA", root.GetProperty("peft_type").GetString());
        Assert.Equal("CAUSAL_LM", root.GetProperty("task_type").GetString());
        Assert.Equal(8, root.GetProperty("r").GetInt32());
        Assert.Equal(8.0, root.GetProperty("lora_alpha").GetDouble());
        Assert.Equal(0.1, root.GetProperty("lora_dropout").GetDouble());
        Assert.Equal(new[] { "q_proj", "v_proj" }, root.GetProperty("target_modules").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal("my-base", root.GetProperty("base_model_name_or_path").GetString());

        var other = Fresh(TinyLlama, 34); // the same base weights
        LoraAdapters.Load(other, dir);
        Assert.True(adapted.allclose(Logits(other, Ids), 1e-6, 1e-6));
        Assert.Equal(8, LoraAdapters.TrainableParameters(other).Count);

        var wrongBase = Fresh(TinyLlama with { Layers = 1 }, 34);
        Assert.Throws<InputException>(() => LoraAdapters.Load(wrongBase, dir));
    }

    [Fact]
    public void AnAdapterFolderNamingALocalBaseLoadsAsAModel()
    {
        var model = Fresh(TinyLlama, 35);
        var baseDir = TempDir();
        HfFormat.Save(model, new ByteTokenizer(), baseDir);
        LoraAdapters.Attach(model);
        Train(model, 3);
        var adapted = Logits(model, Ids);
        var adapterDir = TempDir();
        LoraAdapters.Save(model, adapterDir, baseModel: baseDir);
        var (loaded, _) = Checkpoint.Load(adapterDir);
        Assert.True(LoraAdapters.HasAdapters(loaded));
        Assert.True(adapted.allclose(Logits(loaded, Ids), 1e-5, 1e-5));
    }

    [Fact]
    public void DropoutActsOnlyInTrainingAndTargetsAreChecked()
    {
        var model = Fresh(ModelConfig.Micro, 36);
        Assert.Throws<InputException>(() => LoraAdapters.Attach(model, new LoraOptions { TargetModules = new[] { "q_proj" } }));
        LoraAdapters.Attach(model, new LoraOptions { Dropout = 0.5, TargetModules = new[] { "c_attn", "c_fc" } });
        Train(model, 2);
        Assert.True(Logits(model, Ids).equal(Logits(model, Ids)).all().item<bool>(), "eval mode must be deterministic");
        Assert.Throws<InputException>(() => LoraAdapters.Attach(model));
        LoraAdapters.Remove(model);
        Assert.False(LoraAdapters.HasAdapters(model));
        Assert.DoesNotContain(model.state_dict().Keys, k => k.Contains("lora"));
    }
}

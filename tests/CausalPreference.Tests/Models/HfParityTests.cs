using CausalPreference.Models;
using CausalPreference.Text;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CausalPreference.Tests.Models;

/// <summary>
/// Hugging Face model folders (GPT-2, Llama with grouped-query attention and rope scaling, Qwen2, Mistral, a PEFT LoRA
/// adapter) loaded as the tool loads them and scored as it scores texts, against reference log-probabilities computed
/// outside this code base (tools/hf-fixtures/make_models.py; each expected.json names its reference). Tolerance 1e-4 per
/// token and per sequence; each expected.json also records how far the numbers move under the mistake it guards against
/// (a transposed square Conv1D, an ignored window, ...), all far above the tolerance.
/// </summary>
[Collection(TorchSerialCollection.Name)]
public class HfParityTests
{
    const double Tolerance = 1e-4;

    readonly ITestOutputHelper _output;
    public HfParityTests(ITestOutputHelper output) => _output = output;

    sealed record Case(int[] Ids, double Sum, double[] PerToken);

    static List<Case> Cases(string dir)
    {
        using var doc = HfFixtures.Json(dir, "expected.json");
        var reference = doc.RootElement.GetProperty("reference").GetString()!;
        Assert.True(reference.StartsWith("transformers ") || reference.StartsWith("torch-reference "), $"unknown reference '{reference}'");
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new Case(
            c.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
            c.GetProperty("sum_logprob").GetDouble(),
            c.GetProperty("token_logprobs").EnumerateArray().Select(x => x.GetDouble()).ToArray())).ToList();
    }

    /// <summary>Scores every case in one right-padded batch through <see cref="SequenceScorer"/> (first token = context), and each
    /// case alone position by position; both must match the reference.</summary>
    void AssertMatchesReference(CausalLM model, ITokenizer tok, string dir)
    {
        var cases = Cases(dir);
        Assert.NotEmpty(cases);
        model.eval();
        using var _ = no_grad();
        using var batch = TokenBatch.FromSequences(tok, cases.Select(c => (c.Ids, 1, false)).ToList());
        using var sums = SequenceScorer.LogProb(model, batch);
        var got = sums.cpu().data<double>().ToArray();
        double worstSum = 0, worstToken = 0;
        for (int i = 0; i < cases.Count; i++)
        {
            worstSum = Math.Max(worstSum, Math.Abs(got[i] - cases[i].Sum));
            Assert.True(Math.Abs(got[i] - cases[i].Sum) < Tolerance,
                $"{Path.GetFileName(dir)} case {i} ({cases[i].Ids.Length} tokens): log-prob {got[i]:R}, reference {cases[i].Sum:R}");
        }
        foreach (var (c, i) in cases.Select((c, i) => (c, i)))
        {
            using var scope = NewDisposeScope();
            var ids = tensor(c.Ids.Select(x => (long)x).ToArray(), new long[] { 1, c.Ids.Length });
            var logp = nn.functional.log_softmax(model.forward(ids).to(ScalarType.Float64), -1)[0];
            for (int t = 1; t < c.Ids.Length; t++)
            {
                double lp = logp[t - 1, c.Ids[t]].item<double>();
                worstToken = Math.Max(worstToken, Math.Abs(lp - c.PerToken[t - 1]));
                Assert.True(Math.Abs(lp - c.PerToken[t - 1]) < Tolerance,
                    $"{Path.GetFileName(dir)} case {i} position {t}: log p {lp:R}, reference {c.PerToken[t - 1]:R}");
            }
        }
        _output.WriteLine($"{Path.GetFileName(dir)}: {cases.Count} sequences, largest deviation {worstSum:E2} per sequence, {worstToken:E2} per token");
    }

    static (CausalLM model, ITokenizer tok) Load(string name) => Checkpoint.Load(HfFixtures.Folder(name));

    [Fact]
    public void Gpt2FolderMatchesReferenceLogProbs()
    {
        var (model, tok) = Load("gpt2");
        using var _ = model;
        Assert.Equal("gpt2", model.Config.Family);
        AssertMatchesReference(model, tok, HfFixtures.Folder("gpt2"));
    }

    [Fact]
    public void Gpt2LoraAdapterFolderMatchesReferenceLogProbs()
    {
        // adapter_config.json names its base as "../gpt2", relative to the adapter folder; fan_in_fan_out (Conv1D)
        var (model, tok) = Load("gpt2-lora");
        using var _ = model;
        Assert.True(LoraAdapters.HasAdapters(model));
        Assert.Equal(6, LoraAdapters.Layers(model).Count(l => l.layer.HasAdapter)); // c_attn, attn.c_proj, mlp.c_proj × 2 layers
        AssertMatchesReference(model, tok, HfFixtures.Folder("gpt2-lora"));
        // merged into the weights, the adapter gives the same numbers
        LoraAdapters.Merge(model);
        AssertMatchesReference(model, tok, HfFixtures.Folder("gpt2-lora"));
    }

    [Fact]
    public void LlamaGqaLinearRopeFolderMatchesReferenceLogProbs()
    {
        var (model, tok) = Load("llama");
        using var _ = model;
        Assert.Equal((4, 2, "linear"), (model.Config.Heads, model.Config.KeyValueHeads, model.Config.RopeScaling?.Type));
        AssertMatchesReference(model, tok, HfFixtures.Folder("llama"));
    }

    [Fact]
    public void Llama3RopeScalingFolderMatchesReferenceLogProbs()
    {
        var (model, tok) = Load("llama3");
        using var _ = model;
        Assert.Equal(("llama3", 8, true), (model.Config.RopeScaling?.Type, model.Config.HeadSize, model.Config.TiedEmbeddings));
        AssertMatchesReference(model, tok, HfFixtures.Folder("llama3"));
    }

    [Fact]
    public void Qwen2FolderWithASlidingLayerMatchesReferenceLogProbs()
    {
        var (model, tok) = Load("qwen2");
        using var _ = model;
        Assert.Equal((4, 1, true), (model.Config.SlidingWindow, model.Config.SlidingWindowFromLayer, model.Config.AttentionBias));
        AssertMatchesReference(model, tok, HfFixtures.Folder("qwen2"));
    }

    [Fact]
    public void MistralFolderMatchesReferenceLogProbsBeyondItsWindow()
    {
        var (model, tok) = Load("mistral");
        using var _ = model;
        Assert.Equal(4, model.Config.SlidingWindow);
        Assert.Contains(Cases(HfFixtures.Folder("mistral")), c => c.Ids.Length >= 3 * model.Config.SlidingWindow); // texts well past the window
        AssertMatchesReference(model, tok, HfFixtures.Folder("mistral"));
    }
}

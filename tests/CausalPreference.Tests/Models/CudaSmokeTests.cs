using CausalPreference.Models;
using CausalPreference.Tests.Models;
using CausalPreference.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace CausalPreference.Tests.Models;

/// <summary>
/// GPU checks, run only where libtorch sees CUDA (a build published without the CPU natives, CAUSALPO_TORCH_LIB set;
/// docs/performance.md). On CPU-only machines each test returns at once: nothing here can fail there.
/// </summary>
[Collection(TorchSerialCollection.Name)]
public class CudaSmokeTests
{
    /// <summary>Scores on the GPU equal scores on the CPU for the same weights, and the tied head stays tied after the move.</summary>
    [CudaFact]
    public void CudaScoresMatchCpuScores()
    {
        manual_seed(0);
        var model = new Gpt2Model(ModelConfig.Micro);
        var tok = new ByteTokenizer();
        var texts = new[] { "hello", "a longer text with more bytes", "x" };
        var onCpu = SequenceScorer.Score(model, tok, texts);
        model.to(CUDA);
        Assert.Equal(model.named_parameters().Count() - 1, model.UniqueParameters().Count);
        var onGpu = SequenceScorer.Score(model, tok, texts);
        for (int i = 0; i < texts.Length; i++) Assert.Equal(onCpu[i], onGpu[i], 3);
    }
}

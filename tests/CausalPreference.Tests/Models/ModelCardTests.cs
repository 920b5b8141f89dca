using System.Text.Json;
using CausalPreference.Causal;
using CausalPreference.Models;
using CausalPreference.Pipeline;

namespace CausalPreference.Tests.Models;

/// <summary>The exported model card reads what a causal run wrote (run.json as <see cref="CausalRun"/> serializes it).</summary>
public class ModelCardTests
{
    [Fact]
    public void ACausalRunsCardNamesObjectiveDataAndCertificate()
    {
        var dir = Path.Combine(Path.GetTempPath(), "cpo-card-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var cert = new ImprovementCertificate(0.25, 0.05, 0.152, 0.348, 120, 0.4, 1.0, true);
        var summary = new CausalRunSummary("dr-cpo", "runs/ft", 900, 240, 0, 0, "design probabilities", "runs/g", 0.31, null,
            2, 3.4, 0.4, 675, false, "SelfNormalized", 4, true, 600, 1.6, cert, "improvement over FT ≥ 0.152 (95%)", new[] { "weights collapsed" });
        File.WriteAllText(Path.Combine(dir, "run.json"), JsonSerializer.Serialize(summary));
        var card = ModelCard.Build(dir, ModelConfig.Micro, "/abs/base", adapter: false, "Tokenizer note.");
        Assert.StartsWith("---\nlibrary_name: transformers", card.Replace("\r\n", "\n"));
        Assert.Contains("- dr-cpo", card);
        Assert.DoesNotContain("base_model: /abs/base", card); // a local path is no Hub name
        Assert.Contains("**dr-cpo** objective", card);
        Assert.Contains("- Rows: 900 for training, 240 held out", card);
        Assert.Contains("- Outcome model ĝ: runs/g", card);
        Assert.Contains("improvement over FT ≥ 0.152 (95%)", card);
        Assert.Contains("| 0.25 | 0.05 | [0.152, 0.348] | 120 |", card);
        Assert.Contains("- weights collapsed", card);
        Assert.Contains("Tokenizer note.", card);
    }

    [Fact]
    public void AFolderWithoutMetadataSaysSo()
    {
        var dir = Path.Combine(Path.GetTempPath(), "cpo-card-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var card = ModelCard.Build(dir, ModelConfig.Micro, null, adapter: true, "");
        Assert.Contains("library_name: peft", card);
        Assert.Contains("No run metadata", card);
        Assert.Contains("AutoPeftModelForCausalLM", card);
    }
}

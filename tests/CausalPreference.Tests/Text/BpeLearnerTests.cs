using System.Text.Json;
using CausalPreference.IO;
using CausalPreference.Models;
using CausalPreference.Text;
using static TorchSharp.torch;

namespace CausalPreference.Tests.Text;

public class BpeLearnerTests
{
    // "hug hug pug" + "pun hug" split as GPT-2 does: hug ×1, " hug" ×2, " pug" ×1, pun ×1 (space shown as Ġ, byte 32).
    // Pair counts: (u,g) 4, (h,u) 3, (Ġ,h) 2, (p,u) 2, the rest 1 -> merge "u g" (id 256).
    // Then (h,ug) 3, (Ġ,h) 2 -> "h ug" (257); then (Ġ,hug) 2 -> "Ġ hug" (258). Now every pair occurs once, in
    // "Ġ p ug" and "p u n": ties go to the lowest left id, then right id: (Ġ,p) [32] -> "Ġp" (259); (p,u) [112] -> "pu"
    // (260); (Ġp,ug) [259] -> "Ġpug" (261); (pu,n) [260] -> "pun" (262). Every word is one token: stop.
    static readonly string[] Hugs = ["hug hug pug", "pun hug"];

    [Fact]
    public void MergesAreTheHandComputedOnes()
    {
        var (vocab, merges) = BpeLearner.LearnMerges(Hugs, 100);
        Assert.Equal(new[] { ("u", "g"), ("h", "ug"), ("Ġ", "hug"), ("Ġ", "p"), ("p", "u"), ("Ġp", "ug"), ("pu", "n") }, merges);
        Assert.Equal(new[] { "ug", "hug", "Ġhug", "Ġp", "pu", "Ġpug", "pun" }, vocab.Skip(256));
        Assert.Equal(263, vocab.Count);
    }

    [Fact]
    public void TiesGoToTheLowestIds()
    {
        // "aa", " aa", " ab": (a,a) and (Ġ,a) both occur twice; Ġ is byte 32, a is byte 97 -> "Ġ a" first. Then
        // (a,a), (Ġa,a), (Ġa,b) occur once each: a [97] < Ġa [256]; between the two Ġa pairs, a [97] < b [98].
        Assert.Equal(new[] { ("Ġ", "a") }, BpeLearner.LearnMerges(["aa aa ab"], 1).merges);
        Assert.Equal(new[] { ("Ġ", "a"), ("a", "a"), ("Ġa", "a"), ("Ġa", "b") }, BpeLearner.LearnMerges(["aa aa ab"], 100).merges);
    }

    [Fact]
    public void TheTokenizerEncodesWithTheLearnedMerges()
    {
        var tok = BpeLearner.Learn(Hugs, 1000);
        Assert.Equal(264, tok.VocabSize); // 256 bytes + 7 merges + <|endoftext|>
        Assert.Equal(263, tok.EosId);
        Assert.Equal(tok.EosId, tok.BosId);
        Assert.Equal(new[] { 257, 258 }, tok.Encode("hug hug"));            // "hug", "Ġhug"
        Assert.Equal(new[] { (int)'p', 256, 261 }, tok.Encode("pug pug"));  // p + "ug" (no merge makes "pug"), "Ġpug"
    }

    [Fact]
    public void WordsKeepTheirApostrophesAndLeadingSpace() =>
        Assert.Equal(new[] { "Mom's", "Ġ3D", "-", "printed", "Ġcat", "Ġ!?" }, BpeLearner.WordCounts(["Mom's 3D-printed cat !?"]).Keys);

    [Fact]
    public void ATrainingWordIsOneToken()
    {
        var tok = BpeLearner.Learn(["didn't didn’t", "didn't"], 1000);
        Assert.Single(tok.Encode("didn't"));
        Assert.Single(tok.Encode(" didn’t"));
    }

    [Fact]
    public void TheVocabularySizeCapsTheMerges()
    {
        var tok = BpeLearner.Learn(Hugs, 258);
        Assert.Equal(258, tok.VocabSize); // 256 bytes + "ug" + <|endoftext|>
        Assert.Equal(new[] { (int)'h', 256 }, tok.Encode("hug"));
    }

    [Theory]
    [InlineData("Ünïcødé 🙂 中文 text")]
    [InlineData("  leading, double  spaces,\ttabs\nand a trailing space ")]
    [InlineData("▁metaspace ▁ and Ġ look-alikes")]
    [InlineData("")]
    public void AnyStringRoundTrips(string text)
    {
        var tok = BpeLearner.Learn(["the cat sat on the mat", "the dog sat"], 400);
        Assert.Equal(text, tok.Decode(tok.Encode(text)));
    }

    [Theory]
    [InlineData(256)]
    [InlineData(70_000)]
    public void AnImpossibleSizeIsRefused(int size)
    {
        var e = Assert.Throws<InputException>(() => BpeLearner.Learn(Hugs, size));
        Assert.Contains("between 257", e.Message);
    }

    [Fact]
    public void AnUnknownScratchTokenizerIsRefused()
    {
        var e = Assert.Throws<InputException>(() => new ScratchTokenizer("words").Create(Hugs));
        Assert.Contains("\"learned\"", e.Message);
    }

    [Fact]
    public void ACheckpointKeepsTheLearnedTokenizerAndChecksumsIt()
    {
        using var w = new Workspace();
        var tok = new ScratchTokenizer(ScratchTokenizer.Learned, 300).Create(["the cat sat on the mat", "the dog sat on the cat"]);
        var (model, _) = Checkpoint.LoadOrCreate("micro", seed: 3, scratchTokenizer: tok);
        Assert.Equal(tok.VocabSize, model.Config.VocabSize);
        var dir = w.Path("m");
        Checkpoint.Save(model, tok, dir);
        var sums = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(Path.Combine(dir, Checkpoint.ChecksumFile)))!;
        Assert.Contains(TokenizerJson.FileName, sums.Keys);

        var (loaded, tok2) = Checkpoint.Load(dir);
        Assert.Equal("hf", tok2.Kind);
        Assert.Equal(tok.Encode("the cat sat on a mat"), tok2.Encode("the cat sat on a mat"));
        Assert.Equal(SequenceScorer.Score(model, tok, ["the cat"])[0], SequenceScorer.Score(loaded, tok2, ["the cat"])[0], 5);

        File.AppendAllText(Path.Combine(dir, TokenizerJson.FileName), " ");
        var e = Assert.Throws<InputException>(() => Checkpoint.Load(dir));
        Assert.Contains("checksum", e.Message);
    }

    [Fact]
    public void AByteLevelCheckpointStillLoadsAsBytes()
    {
        using var w = new Workspace();
        var dir = w.MicroCheckpoint();
        File.Delete(Path.Combine(dir, TokenizerJson.FileName)); // a checkpoint from before the Hugging Face files
        File.Delete(Path.Combine(dir, Checkpoint.ChecksumFile));
        Assert.Equal("byte", Checkpoint.Load(dir).tok.Kind);
    }
}

using CausalPreference.IO;

namespace CausalPreference.Text;

/// <summary>
/// The tokenizer of a built-in model trained from scratch (<c>tiny</c>, <c>micro</c>): "learned" (the default), a
/// byte-level BPE learned from the training texts by <see cref="BpeLearner"/> and saved with the model as tokenizer.json;
/// or "bytes", the fixed <see cref="ByteTokenizer"/> (259 tokens) that the built-in world's quoted results use.
/// </summary>
public sealed record ScratchTokenizer(string Kind = ScratchTokenizer.Learned, int VocabSize = BpeLearner.DefaultVocabSize)
{
    /// <summary>The two kinds: "learned" (byte-level BPE from the training texts) and "bytes" (<see cref="ByteTokenizer"/>).</summary>
    public const string Learned = "learned", Bytes = "bytes";

    /// <summary>Checks the choice; <paramref name="where"/> names the option or config key in the message.</summary>
    public ScratchTokenizer Validated(string where = "`tokenizer`", string sizeWhere = "`vocab_size`")
    {
        if (Kind is not (Learned or Bytes))
            throw new InputException($"{where} must be \"{Learned}\" (byte-level BPE learned from the training texts) or \"{Bytes}\" (one token per byte); got \"{Kind}\"");
        if (Kind == Learned && VocabSize is < BpeLearner.MinVocabSize or > BpeLearner.MaxVocabSize)
            throw new InputException($"{sizeWhere} must be between {BpeLearner.MinVocabSize} (the 256 bytes and the end token) and {BpeLearner.MaxVocabSize}; got {VocabSize}");
        return this;
    }

    /// <summary>The tokenizer for a model trained from scratch on <paramref name="texts"/>: FT's training and validation
    /// texts both, so that validation texts are not spelled out in bytes (which would make the validation loss rise as FT
    /// learns to write whole words, and pick an early, untrained epoch).</summary>
    public ITokenizer Create(IReadOnlyList<string> texts) => Validated().Kind == Bytes ? new ByteTokenizer() : BpeLearner.Learn(texts, VocabSize);

    /// <summary>What a from-scratch model's tokenizer is, in words (for logs).</summary>
    public static string Describe(ITokenizer tok, int texts) => tok is ByteTokenizer
        ? "bytes (259 tokens: the 256 bytes, BOS, EOS, PAD)"
        : $"byte-level BPE learned from the {texts:N0} texts of FT's training and validation rows: {tok.VocabSize:N0} tokens (256 bytes, {tok.VocabSize - BpeLearner.MinVocabSize:N0} merges, {BpeLearner.EndOfText}), saved as {TokenizerJson.FileName}";

    /// <summary>One line for logs and resume fingerprints.</summary>
    public override string ToString() => Kind == Bytes ? "bytes" : $"learned BPE, at most {VocabSize} tokens";
}

namespace CausalPreference.Text;

/// <summary>
/// One interface for every tokenizer. <see cref="Encode"/> returns the ids of a text without BOS/EOS;
/// models add BOS in front and EOS at the end themselves (see <see cref="Models.TokenBatch"/>).
/// </summary>
public interface ITokenizer
{
    /// <summary>Short name written into checkpoint folders ("byte", "gpt2", ...).</summary>
    string Kind { get; }
    /// <summary>Number of token ids (0 … VocabSize − 1), special tokens included; a model's embedding must have at least as many rows.</summary>
    int VocabSize { get; }
    /// <summary>The id put in front of every sequence (begin of text); the model's first prediction is conditioned on it.</summary>
    int BosId { get; }
    /// <summary>The id that ends every text: scored as part of the text, and sampling stops at it.</summary>
    int EosId { get; }
    /// <summary>Padding id. Padding never contributes to scores or losses (masked), so it may equal another special id.</summary>
    int PadId { get; }
    /// <summary>The ids of <paramref name="text"/>, without BOS or EOS.</summary>
    int[] Encode(string text);
    /// <summary>The text of <paramref name="ids"/>, special tokens (BOS, EOS, PAD) dropped. Not always the inverse of
    /// <see cref="Encode"/>: ids that do not form valid UTF-8, or a non-canonical split, decode to a text that encodes
    /// differently.</summary>
    string Decode(IReadOnlyList<int> ids);
    /// <summary>Writes whatever files <see cref="Tokenizers.Load"/> needs into <paramref name="dir"/>.</summary>
    void Save(string dir);
}

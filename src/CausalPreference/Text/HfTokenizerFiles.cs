using System.Text.Json;
using System.Text.Json.Nodes;
using CausalPreference.IO;

namespace CausalPreference.Text;

/// <summary>
/// The tokenizer files a Hugging Face folder needs (tokenizer.json, tokenizer_config.json, special_tokens_map.json) for a
/// model's tokenizer, as far as they can say exactly what the tool's tokenizer does:
/// <list type="bullet">
/// <item>Hugging Face tokenizers ("hf") travel as they came.</item>
/// <item>The built-in byte tokenizer ("byte", the <c>tiny</c> model) is exactly a byte-level BPE without merges: the
/// ByteLevel pre-tokenizer maps each UTF-8 byte b to GPT-2's printable character for b, whose id is b; BOS, EOS and PAD
/// (256–258) are special added tokens. Its one difference: a special token's name typed inside a text ("&lt;|bos|&gt;")
/// is bytes to the tool but the special token to the Rust library, so tokenizer_config.json asks transformers to
/// split special tokens (<c>split_special_tokens</c>), which makes them plain text there too.</item>
/// <item>Other tokenizers (GPT-2's embedded BPE "gpt2", llama2.c's tokenizer.bin, and any kind added later) have no file
/// written here: <see cref="CannotExpress"/> says what to do instead.</item>
/// </list>
/// </summary>
public static class HfTokenizerFiles
{
    /// <summary>The file names Hugging Face gives the tokenizer's settings (tokenizer_config.json) and its special tokens
    /// (special_tokens_map.json).</summary>
    public const string ConfigFile = "tokenizer_config.json", SpecialTokensFile = "special_tokens_map.json";
    /// <summary>The names the byte tokenizer's BOS, EOS and PAD (ids 256, 257, 258) get in the written files.</summary>
    public static readonly string[] ByteSpecialTokens = { "<|bos|>", "<|eos|>", "<|pad|>" };

    /// <summary>Null when <see cref="Write"/> can express the tokenizer; otherwise the reason and what to do.</summary>
    public static string? CannotExpress(ITokenizer tok) => tok.Kind switch
    {
        "hf" or "byte" => null,
        "gpt2" => "the model uses the built-in GPT-2 tokenizer, whose vocabulary is embedded in the tool; " +
                  "pass `tokenizer_from` with a folder holding GPT-2's tokenizer files (tokenizer.json or vocab.json + merges.txt)",
        "llama2c" => "the model uses a llama2.c tokenizer.bin (SentencePiece scores, no merge list), which has no exact tokenizer.json form; " +
                     "pass `tokenizer_from` with a Hugging Face folder of the tokenizer the model was trained with (Llama 2's, for the 32000-token vocabulary)",
        _ => $"tokenizer kind '{tok.Kind}' has no Hugging Face form yet; pass `tokenizer_from` with a Hugging Face tokenizer folder that encodes identically",
    };

    /// <summary>Writes the Hugging Face tokenizer files for <paramref name="tok"/> into <paramref name="dir"/>.</summary>
    public static void Write(ITokenizer tok, string dir, int modelMaxLength)
    {
        if (CannotExpress(tok) is { } why) throw new InputException("cannot write a Hugging Face tokenizer: " + why);
        var json = new JsonSerializerOptions { WriteIndented = true };
        if (tok.Kind == "hf")
        {
            tok.Save(dir); // tokenizer.json (or vocab.json + merges.txt) and the source's tokenizer_config.json, as they came;
                           // without one, transformers picks the tokenizer class from config.json's model_type
            return;
        }
        // byte: a byte-level BPE without merges
        var vocab = new JsonObject();
        var byteChars = ByteLevelChars();
        for (int b = 0; b < 256; b++) vocab[byteChars[b].ToString()] = b;
        var ids = new[] { tok.BosId, tok.EosId, tok.PadId };
        var added = new JsonArray();
        for (int i = 0; i < 3; i++)
            added.Add(new JsonObject
            {
                ["id"] = ids[i], ["content"] = ByteSpecialTokens[i], ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
                ["normalized"] = false, ["special"] = true,
            });
        var tj = new JsonObject
        {
            ["version"] = "1.0", ["truncation"] = null, ["padding"] = null, ["added_tokens"] = added, ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = false, ["use_regex"] = false },
            ["post_processor"] = null,
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = false, ["use_regex"] = false },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = null, ["end_of_word_suffix"] = null,
                ["fuse_unk"] = false, ["byte_fallback"] = false, ["ignore_merges"] = false, ["vocab"] = vocab, ["merges"] = new JsonArray(),
            },
        };
        AtomicFile.WriteAllText(Path.Combine(dir, TokenizerJson.FileName), tj.ToJsonString(json));
        AtomicFile.WriteAllText(Path.Combine(dir, ConfigFile), new JsonObject
        {
            ["tokenizer_class"] = "PreTrainedTokenizerFast", ["model_max_length"] = modelMaxLength,
            ["bos_token"] = ByteSpecialTokens[0], ["eos_token"] = ByteSpecialTokens[1], ["pad_token"] = ByteSpecialTokens[2],
            ["add_bos_token"] = false, ["add_eos_token"] = false, ["clean_up_tokenization_spaces"] = false, ["split_special_tokens"] = true,
        }.ToJsonString(json));
        AtomicFile.WriteAllText(Path.Combine(dir, SpecialTokensFile), new JsonObject
        {
            ["bos_token"] = ByteSpecialTokens[0], ["eos_token"] = ByteSpecialTokens[1], ["pad_token"] = ByteSpecialTokens[2],
        }.ToJsonString(json));
    }

    /// <summary>GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the others for U+0100 on, in order.</summary>
    static char[] ByteLevelChars()
    {
        var map = new char[256];
        int n = 0;
        for (int b = 0; b < 256; b++)
            map[b] = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF ? (char)b : (char)(256 + n++);
        return map;
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CausalPreference.IO;

namespace CausalPreference.Text;

/// <summary>
/// A Hugging Face BPE tokenizer read from <c>tokenizer.json</c> (or GPT-2-style <c>vocab.json</c> + <c>merges.txt</c>),
/// implemented here: added/special tokens are split out first, each remaining segment is normalized (NFC/NFKC...,
/// Lowercase, Prepend, Replace, Strip, Sequence), pre-tokenized (ByteLevel, Split, Metaspace, Digits, Sequence) and
/// each piece is encoded by BPE: characters (or, with byte_fallback, their &lt;0xNN&gt; byte tokens) merged by
/// merge rank, lowest first and leftmost among equals. This covers byte-level BPE (GPT-2, Llama 3, Qwen2) and
/// SentencePiece-style BPE with byte fallback (Llama 2, Mistral: "▁" for spaces, a "▁" prepended to the text).
/// BOS/EOS/PAD come from tokenizer_config.json, special_tokens_map.json, config.json or generation_config.json.
/// Unicode normalizers (NFC, NFD, NFKC, NFKD) run through the system's ICU library (<see cref="UnicodeNormalization"/>),
/// since .NET's own is a no-op under invariant globalization; a tokenizer that needs one refuses to load without ICU.
/// Limits: WordPiece/Unigram models and BPE dropout are not supported.
/// </summary>
public sealed class TokenizerJson : ITokenizer
{
    /// <summary>The Hugging Face tokenizer file (the tokenizers library's serialization).</summary>
    public const string FileName = "tokenizer.json";
    static readonly string[] CopiedFiles = { FileName, "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json" };
    const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    delegate List<string> PreTokenizer(List<string> pieces, bool firstSegment);

    readonly Dictionary<string, int> _vocab;
    readonly Dictionary<int, string> _tokens;                 // id -> token string (vocab and added tokens)
    readonly Dictionary<(int, int), (int rank, int id)> _merges;
    readonly bool _byteFallback, _ignoreMerges, _fuseUnk, _byteLevel;
    readonly int? _unkId;
    readonly Func<string, string> _normalize;
    readonly PreTokenizer _preTokenize;
    readonly string _spaceMarker;   // SentencePiece style: the character standing for a space ("▁")
    readonly int _stripLeading;     // spaces the decoder removes at the start of the text
    readonly HashSet<int> _special = new();
    readonly HashSet<int> _added = new();
    readonly Regex? _addedSplit;
    readonly Dictionary<string, int> _addedByContent = new(StringComparer.Ordinal);
    readonly Dictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    readonly Dictionary<string, string> _files;     // files to copy on Save

    /// <summary>"hf": a Hugging Face tokenizer.</summary>
    public string Kind => "hf";
    /// <summary>Ids in use: the model's vocabulary plus added tokens (the largest id + 1).</summary>
    public int VocabSize { get; }
    /// <summary>The id fed before a text: the BOS token the tokenizer's or model's configs name, else <see cref="EosId"/>.</summary>
    public int BosId { get; }
    /// <summary>The id scored after a text: the EOS token the configs name, else a known end-of-text token (&lt;/s&gt;, &lt;|endoftext|&gt;, …).</summary>
    public int EosId { get; }
    /// <summary>The id used to pad batches (the pad token, else <see cref="EosId"/>); never scored.</summary>
    public int PadId { get; }

    internal static readonly char[] ByteToChar = BuildByteToChar();
    static readonly Dictionary<char, byte> CharToByte = ByteToChar.Select((c, b) => (c, b)).ToDictionary(x => x.c, x => (byte)x.b);

    /// <summary>GPT-2's reversible map from bytes to printable characters (printable Latin-1 stays, the rest goes to U+0100..).</summary>
    static char[] BuildByteToChar()
    {
        var map = new char[256];
        int n = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)(256 + n++);
        }
        return map;
    }

    /// <summary>The loader registered in <see cref="Tokenizers.FolderLoaders"/>.</summary>
    public static ITokenizer? TryLoadFolder(string dir)
    {
        bool hasJson = File.Exists(Path.Combine(dir, FileName));
        bool hasVocab = File.Exists(Path.Combine(dir, "vocab.json")) && File.Exists(Path.Combine(dir, "merges.txt"));
        if (!hasJson && !hasVocab || Tokenizers.SavedKind(dir) is { } k && k != "hf") return null;
        return Load(dir);
    }

    /// <summary>Loads the tokenizer of a Hugging Face model folder.</summary>
    public static TokenizerJson Load(string dir)
    {
        var files = CopiedFiles.Where(f => File.Exists(Path.Combine(dir, f))).ToDictionary(f => f, f => File.ReadAllText(Path.Combine(dir, f)));
        string source = Path.Combine(dir, files.ContainsKey(FileName) ? FileName : "vocab.json");
        try
        {
            JsonObject tj = files.TryGetValue(FileName, out var text) ? JsonNode.Parse(text)!.AsObject() : FromVocabAndMerges(files["vocab.json"], files["merges.txt"]);
            return new TokenizerJson(tj, dir, files, source);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException or KeyNotFoundException or ArgumentException)
        { throw new InputException($"unreadable tokenizer ({e.Message})", source); }
    }

    /// <summary>A tokenizer from the text of a tokenizer.json alone (special tokens found by name, e.g. &lt;|endoftext|&gt;).</summary>
    public static TokenizerJson FromJson(string json, string source)
    {
        try { return new TokenizerJson(JsonNode.Parse(json)!.AsObject(), null, new Dictionary<string, string> { [FileName] = json }, source); }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException or KeyNotFoundException or ArgumentException)
        { throw new InputException($"unreadable tokenizer ({e.Message})", source); }
    }

    /// <summary>The tokenizer.json equivalent of GPT-2's original vocab.json + merges.txt.</summary>
    static JsonObject FromVocabAndMerges(string vocabJson, string mergesTxt) => new()
    {
        ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["use_regex"] = true },
        ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
        ["model"] = new JsonObject
        {
            ["type"] = "BPE",
            ["vocab"] = JsonNode.Parse(vocabJson),
            ["merges"] = new JsonArray(mergesTxt.Split('\n').Select(l => l.TrimEnd('\r'))
                .Where(l => l.Length > 0 && !l.StartsWith("#version")).Select(l => (JsonNode)JsonValue.Create(l)!).ToArray()),
        },
    };

    TokenizerJson(JsonObject j, string? dir, Dictionary<string, string> files, string source)
    {
        _files = files;
        var model = j["model"]?.AsObject() ?? throw new InputException("tokenizer.json has no model", source);
        var type = model["type"]?.GetValue<string>() ?? "BPE";
        if (type != "BPE") throw new InputException($"tokenizer model '{type}' is not supported; only BPE tokenizers are", source);
        if (model["continuing_subword_prefix"]?.GetValue<string>() is { Length: > 0 } || model["end_of_word_suffix"]?.GetValue<string>() is { Length: > 0 })
            throw new InputException("BPE with subword prefixes/suffixes (WordPiece-like) is not supported", source);

        _vocab = model["vocab"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<int>(), StringComparer.Ordinal);
        _tokens = new Dictionary<int, string>();
        foreach (var (t, id) in _vocab) _tokens[id] = t;
        _merges = new Dictionary<(int, int), (int, int)>();
        int rank = 0;
        foreach (var m in model["merges"]?.AsArray() ?? new JsonArray())
        {
            string a, b;
            if (m is JsonArray pair) { a = pair[0]!.GetValue<string>(); b = pair[1]!.GetValue<string>(); }
            else
            {
                var parts = m!.GetValue<string>().Split(' ');
                if (parts.Length != 2) throw new InputException($"malformed merge '{m}'", source);
                (a, b) = (parts[0], parts[1]);
            }
            if (_vocab.TryGetValue(a, out var ia) && _vocab.TryGetValue(b, out var ib) && _vocab.TryGetValue(a + b, out var im))
                _merges.TryAdd((ia, ib), (rank, im));
            rank++;
        }
        _byteFallback = model["byte_fallback"]?.GetValue<bool>() ?? false;
        _ignoreMerges = model["ignore_merges"]?.GetValue<bool>() ?? false;
        _fuseUnk = model["fuse_unk"]?.GetValue<bool>() ?? false;
        if (model["unk_token"]?.GetValue<string>() is { } unk && _vocab.TryGetValue(unk, out var unkId)) _unkId = unkId;

        foreach (var a in j["added_tokens"]?.AsArray() ?? new JsonArray())
        {
            int id = a!["id"]!.GetValue<int>();
            string content = a["content"]!.GetValue<string>();
            _tokens[id] = content;
            _added.Add(id);
            _addedByContent[content] = id;
            if (a["special"]?.GetValue<bool>() == true) _special.Add(id);
        }

        _normalize = Normalizer(j["normalizer"] as JsonObject, source);
        _preTokenize = PreTokenizerOf(j["pre_tokenizer"] as JsonObject, source);
        _byteLevel = Mentions(j["pre_tokenizer"], "ByteLevel") || Mentions(j["decoder"], "ByteLevel");
        _spaceMarker = FindSpaceMarker(j) ?? "▁";
        _stripLeading = _byteLevel ? 0 : LeadingStrip(j);
        VocabSize = _tokens.Keys.DefaultIfEmpty(-1).Max() + 1;

        (BosId, EosId, PadId) = SpecialIds(dir, source);
        foreach (var id in new[] { BosId, EosId, PadId }) { _special.Add(id); _added.Add(id); _addedByContent.TryAdd(_tokens[id], id); }
        if (_unkId is { } u) _special.Add(u);
        if (_addedByContent.Count > 0)
            _addedSplit = new Regex(string.Join("|", _addedByContent.Keys.OrderByDescending(k => k.Length).Select(Regex.Escape)), RegexOptions.CultureInvariant);
    }

    static bool Mentions(JsonNode? node, string type) => node switch
    {
        JsonObject o => o["type"]?.GetValue<string>() == type || o.Any(kv => Mentions(kv.Value, type)),
        JsonArray a => a.Any(x => Mentions(x, type)),
        _ => false,
    };

    static string? FindSpaceMarker(JsonObject j)
    {
        foreach (var node in Flatten(j["pre_tokenizer"]).Concat(Flatten(j["decoder"])))
            if (node["type"]?.GetValue<string>() == "Metaspace") return node["replacement"]?.GetValue<string>() ?? "▁";
        foreach (var node in Flatten(j["decoder"]))
            if (node["type"]?.GetValue<string>() == "Replace" && node["content"]?.GetValue<string>() == " ")
                return node["pattern"]?["String"]?.GetValue<string>();
        return null;
    }

    static IEnumerable<JsonObject> Flatten(JsonNode? node)
    {
        if (node is not JsonObject o) yield break;
        yield return o;
        foreach (var key in new[] { "normalizers", "pretokenizers", "decoders" })
            if (o[key] is JsonArray arr) foreach (var child in arr) foreach (var x in Flatten(child)) yield return x;
    }

    /// <summary>How many leading spaces the decoder removes: Strip(start = n), or 1 for a prepending Metaspace decoder.</summary>
    static int LeadingStrip(JsonObject j)
    {
        foreach (var d in Flatten(j["decoder"]))
        {
            var t = d["type"]?.GetValue<string>();
            if (t == "Strip" && d["content"]?.GetValue<string>() == " ") return d["start"]?.GetValue<int>() ?? 0;
            if (t == "Metaspace")
            {
                var scheme = d["prepend_scheme"]?.GetValue<string>();
                bool add = d["add_prefix_space"]?.GetValue<bool>() ?? true;
                return scheme is "always" or "first" || scheme is null && add ? 1 : 0;
            }
        }
        return 0;
    }

    // ---------------- normalizers ----------------

    static Func<string, string> Normalizer(JsonObject? n, string source)
    {
        if (n is null) return s => s;
        var type = n["type"]?.GetValue<string>();
        switch (type)
        {
            case "Sequence":
                var steps = n["normalizers"]!.AsArray().Select(x => Normalizer(x as JsonObject, source)).ToList();
                return s => steps.Aggregate(s, (acc, f) => f(acc));
            case "NFC": return UnicodeNormalizer(NormalizationForm.FormC, source);
            case "NFD": return UnicodeNormalizer(NormalizationForm.FormD, source);
            case "NFKC": return UnicodeNormalizer(NormalizationForm.FormKC, source);
            case "NFKD": return UnicodeNormalizer(NormalizationForm.FormKD, source);
            case "Lowercase": return s => s.ToLowerInvariant();
            case "Prepend":
                var p = n["prepend"]!.GetValue<string>();
                return s => s.Length > 0 ? p + s : s;
            case "Replace":
                var rx = PatternOf(n["pattern"]!, source);
                var content = n["content"]!.GetValue<string>();
                return s => rx.Replace(s, content.Replace("$", "$$"));
            case "Strip":
                bool left = n["strip_left"]?.GetValue<bool>() ?? true, right = n["strip_right"]?.GetValue<bool>() ?? true;
                return s => left && right ? s.Trim() : left ? s.TrimStart() : right ? s.TrimEnd() : s;
            default:
                throw new InputException($"tokenizer normalizer '{type}' is not supported; supported: NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace, Strip, Sequence", source);
        }
    }

    /// <summary>A Unicode normalizer through <see cref="UnicodeNormalization"/> (ICU): never silently skipped.</summary>
    static Func<string, string> UnicodeNormalizer(NormalizationForm form, string source)
    {
        if (!UnicodeNormalization.IsAvailable)
            throw new InputException($"this tokenizer normalizes text ({form}), which needs the ICU library ({UnicodeNormalization.Description}); " +
                                     "install it (Debian/Ubuntu: apt-get install libicu72, or your release's libicu) — without it the token ids would be wrong", source);
        return s => UnicodeNormalization.Normalize(s, form);
    }

    static Regex PatternOf(JsonNode pattern, string source)
    {
        if (pattern["String"]?.GetValue<string>() is { } str) return new Regex(Regex.Escape(str), RegexOptions.CultureInvariant);
        if (pattern["Regex"]?.GetValue<string>() is { } re)
        {
            try { return new Regex(re, RegexOptions.CultureInvariant); }
            catch (ArgumentException e) { throw new InputException($"tokenizer regex '{re}' is not usable in .NET ({e.Message})", source); }
        }
        throw new InputException("tokenizer pattern must be {\"String\": ...} or {\"Regex\": ...}", source);
    }

    // ---------------- pre-tokenizers ----------------

    static PreTokenizer PreTokenizerOf(JsonObject? p, string source)
    {
        if (p is null) return (pieces, _) => pieces;
        var type = p["type"]?.GetValue<string>();
        switch (type)
        {
            case "Sequence":
                var steps = p["pretokenizers"]!.AsArray().Select(x => PreTokenizerOf(x as JsonObject, source)).ToList();
                return (pieces, first) => steps.Aggregate(pieces, (acc, f) => f(acc, first));
            case "ByteLevel":
            {
                bool prefix = p["add_prefix_space"]?.GetValue<bool>() ?? true;
                bool useRegex = p["use_regex"]?.GetValue<bool>() ?? true;
                var rx = new Regex(Gpt2Pattern, RegexOptions.CultureInvariant);
                return (pieces, _) => pieces.SelectMany(piece =>
                {
                    if (prefix && !piece.StartsWith(' ')) piece = " " + piece;
                    var parts = useRegex ? Split(piece, rx, "Isolated") : new List<string> { piece };
                    return parts.Select(ToByteLevel);
                }).ToList();
            }
            case "Split":
            {
                if (p["invert"]?.GetValue<bool>() == true) throw new InputException("inverted Split pre-tokenizers are not supported", source);
                var rx = PatternOf(p["pattern"]!, source);
                var behavior = p["behavior"]?.GetValue<string>() ?? "Isolated";
                if (behavior is not ("Isolated" or "Removed" or "MergedWithPrevious" or "MergedWithNext"))
                    throw new InputException($"Split behavior '{behavior}' is not supported", source);
                return (pieces, _) => pieces.SelectMany(piece => Split(piece, rx, behavior)).ToList();
            }
            case "Metaspace":
            {
                var repl = p["replacement"]?.GetValue<string>() ?? "▁";
                var scheme = p["prepend_scheme"]?.GetValue<string>() ?? ((p["add_prefix_space"]?.GetValue<bool>() ?? true) ? "always" : "never");
                bool split = p["split"]?.GetValue<bool>() ?? true;
                var rx = new Regex(Regex.Escape(repl), RegexOptions.CultureInvariant);
                return (pieces, first) => pieces.SelectMany((piece, i) =>
                {
                    piece = piece.Replace(" ", repl);
                    if ((scheme == "always" || scheme == "first" && first && i == 0) && !piece.StartsWith(repl)) piece = repl + piece;
                    return split ? Split(piece, rx, "MergedWithNext") : new List<string> { piece };
                }).ToList();
            }
            case "Digits":
            {
                bool individual = p["individual_digits"]?.GetValue<bool>() ?? false;
                var rx = new Regex(individual ? @"\p{N}" : @"\p{N}+", RegexOptions.CultureInvariant);
                return (pieces, _) => pieces.SelectMany(piece => Split(piece, rx, "Isolated")).ToList();
            }
            default:
                throw new InputException($"tokenizer pre-tokenizer '{type}' is not supported; supported: ByteLevel, Split, Metaspace, Digits, Sequence", source);
        }
    }

    /// <summary>Splits on regex matches as HF's SplitDelimiterBehavior does; empty pieces are dropped.</summary>
    static List<string> Split(string s, Regex rx, string behavior)
    {
        var result = new List<string>();
        int last = 0;
        string? carry = null; // MergedWithNext: the delimiter waiting for the following text
        foreach (Match m in rx.Matches(s))
        {
            if (m.Length == 0) continue;
            var gap = s[last..m.Index];
            switch (behavior)
            {
                case "Isolated": result.Add(gap); result.Add(m.Value); break;
                case "Removed": result.Add(gap); break;
                case "MergedWithPrevious": result.Add(gap + m.Value); break;
                case "MergedWithNext": result.Add((carry ?? "") + gap); carry = m.Value; break;
            }
            last = m.Index + m.Length;
        }
        result.Add((carry ?? "") + s[last..]);
        return result.Where(x => x.Length > 0).ToList();
    }

    static string ToByteLevel(string piece)
    {
        var bytes = Encoding.UTF8.GetBytes(piece);
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = ByteToChar[bytes[i]];
        return new string(chars);
    }

    // ---------------- special tokens ----------------

    (int bos, int eos, int pad) SpecialIds(string? dir, string source)
    {
        JsonObject? Read(string name)
        {
            if (dir is null) return null;
            var f = Path.Combine(dir, name);
            if (!File.Exists(f)) return null;
            try { return JsonNode.Parse(File.ReadAllText(f)) as JsonObject; }
            catch (JsonException e) { throw new InputException($"unreadable {name} ({e.Message})", f); }
        }
        int? ById(JsonNode? n) => n switch
        {
            JsonValue v when v.TryGetValue<int>(out var i) => i,
            JsonArray a when a.Count > 0 => ById(a[0]),
            _ => null,
        };
        int? ByToken(JsonNode? n)
        {
            var content = n is JsonObject o ? o["content"]?.GetValue<string>() : n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            if (content is null) return null;
            return _addedByContent.TryGetValue(content, out var a) ? a : _vocab.TryGetValue(content, out var id) ? id : null;
        }
        var saved = Read(Tokenizers.ConfigFile);
        var tc = Read("tokenizer_config.json");
        var stm = Read("special_tokens_map.json");
        var cfg = Read("config.json");
        var gen = Read("generation_config.json");
        int? Find(string tokenKey, string idKey, params string[] fallbacks)
        {
            var fromNames = fallbacks.Select(f => _addedByContent.TryGetValue(f, out var a) ? a : _vocab.TryGetValue(f, out var v) ? v : (int?)null);
            return new[] { ById(saved?[idKey.Replace("_token_id", "_id")]), ByToken(tc?[tokenKey]), ByToken(stm?[tokenKey]), ById(cfg?[idKey]), ById(gen?[idKey]) }
                .Concat(fromNames).FirstOrDefault(x => x is not null);
        }
        var eos = Find("eos_token", "eos_token_id", "</s>", "<|end_of_text|>", "<|endoftext|>")
            ?? throw new InputException("cannot tell which token ends a text: no eos_token in tokenizer_config.json and no eos_token_id in config.json; add one", source);
        var bos = Find("bos_token", "bos_token_id", "<s>", "<|begin_of_text|>") ?? eos;
        var pad = Find("pad_token", "pad_token_id") ?? eos;
        foreach (var id in new[] { bos, eos, pad })
            if (!_tokens.ContainsKey(id)) throw new InputException($"special token id {id} is not in the vocabulary", source);
        return (bos, eos, pad);
    }

    // ---------------- encode / decode ----------------

    /// <summary>The ids of <paramref name="text"/> as the Hugging Face library encodes it without special tokens (normalizer, pre-tokenizer, model; added tokens matched first).</summary>
    public int[] Encode(string text)
    {
        var ids = new List<int>();
        bool first = true;
        int last = 0;
        void Plain(string segment)
        {
            if (segment.Length == 0) return;
            var normalized = _normalize(segment);
            foreach (var piece in _preTokenize(new List<string> { normalized }, first)) ids.AddRange(Word(piece));
            first = false;
        }
        if (_addedSplit is not null)
            foreach (Match m in _addedSplit.Matches(text))
            {
                Plain(text[last..m.Index]);
                ids.Add(_addedByContent[m.Value]);
                first = false;
                last = m.Index + m.Length;
            }
        Plain(text[last..]);
        return ids.ToArray();
    }

    int[] Word(string word)
    {
        if (word.Length == 0) return Array.Empty<int>();
        if (_ignoreMerges && _vocab.TryGetValue(word, out var whole)) return new[] { whole };
        if (_cache.TryGetValue(word, out var cached)) return cached;
        var symbols = new List<int>();
        bool lastUnk = false;
        foreach (var rune in word.EnumerateRunes())
        {
            var s = rune.ToString();
            if (_vocab.TryGetValue(s, out var id)) { symbols.Add(id); lastUnk = false; continue; }
            if (_byteFallback)
            {
                var bytes = Encoding.UTF8.GetBytes(s).Select(b => _vocab.TryGetValue($"<0x{b:X2}>", out var bid) ? bid : -1).ToList();
                if (bytes.All(b => b >= 0)) { symbols.AddRange(bytes); lastUnk = false; continue; }
            }
            if (_unkId is { } unk)
            {
                if (!(_fuseUnk && lastUnk)) symbols.Add(unk);
                lastUnk = true;
            }
            // without an unknown token HF drops the character; so do we
        }
        var result = BpeMerge.Apply(symbols, (a, b) => _merges.TryGetValue((a, b), out var m) ? (m.id, m.rank) : null).ToArray();
        if (word.Length <= 64)
        {
            if (_cache.Count > 100_000) _cache.Clear();
            _cache[word] = result;
        }
        return result;
    }

    /// <summary>The text of <paramref name="ids"/> (special tokens skipped), by the tokenizer's decoder.</summary>
    public string Decode(IReadOnlyList<int> ids)
    {
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            if (_special.Contains(id) || !_tokens.TryGetValue(id, out var tok)) continue;
            if (_added.Contains(id)) { bytes.AddRange(Encoding.UTF8.GetBytes(tok)); continue; }
            if (_byteLevel)
            {
                foreach (var c in tok)
                    if (CharToByte.TryGetValue(c, out var b)) bytes.Add(b);
                    else bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
            else if (_byteFallback && tok.Length == 6 && tok.StartsWith("<0x") && tok.EndsWith('>')
                     && byte.TryParse(tok.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var fb))
                bytes.Add(fb);
            else bytes.AddRange(Encoding.UTF8.GetBytes(tok.Replace(_spaceMarker, " ")));
        }
        int strip = 0;
        while (strip < _stripLeading && strip < bytes.Count && bytes[strip] == (byte)' ') strip++;
        return Encoding.UTF8.GetString(bytes.Skip(strip).ToArray());
    }

    /// <summary>Copies the tokenizer's own files (tokenizer.json or vocab.json + merges.txt, and its configs) into <paramref name="dir"/> unchanged.</summary>
    public void Save(string dir)
    {
        foreach (var (name, text) in _files) AtomicFile.WriteAllText(Path.Combine(dir, name), text);
        AtomicFile.WriteAllText(Path.Combine(dir, Tokenizers.ConfigFile),
            JsonSerializer.Serialize(new { kind = Kind, bos_id = BosId, eos_id = EosId, pad_id = PadId }));
    }
}

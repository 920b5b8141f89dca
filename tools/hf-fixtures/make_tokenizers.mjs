// Builds the small tokenizer.json files of tests/CausalPreference.Tests/Fixtures/hf and their reference token ids, with
// Hugging Face's own tokenizers library (the Rust crate, through its Node binding; see README.md here).
//
//   cd tools/hf-fixtures && npm install && node make_tokenizers.mjs
//
// Each tokenizer is described below as tokenizer.json content, loaded by the library (which checks it), saved back in the
// library's own serialization, loaded again from that file, and run on the test strings. The ids in expected.json are the
// library's. Tokenizers under tokenizers/<name>/ are for the tokenizer tests; the model folders (gpt2, qwen2, llama...,
// mistral) get theirs from here too, before make_models.py writes the weights beside them.
import { createRequire } from "node:module";
import { mkdirSync, writeFileSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { Tokenizer } = require("tokenizers");
const libraryVersion = JSON.parse(readFileSync(join(dirname(require.resolve("tokenizers")), "package.json"), "utf8")).version;

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "..", "tests", "CausalPreference.Tests", "Fixtures", "hf");

// ---------------- vocabularies ----------------

// GPT-2's reversible map from bytes to printable characters.
function bytesToUnicode() {
  const bs = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) { bs.push(b); cs.push(256 + n++); }
  const map = new Array(256);
  bs.forEach((b, i) => { map[b] = String.fromCodePoint(cs[i]); });
  return map;
}
const B2U = bytesToUnicode();
const byteLevel = (s) => Array.from(Buffer.from(s, "utf8"), (b) => B2U[b]).join("");

// A byte-level BPE vocabulary: the 256 byte characters (in byte order), then one token per merge. Merges are given as
// plain text pairs and converted to their byte-level spelling ("Ġ" for a space, "Ã©" for é, ...).
function byteLevelModel(mergePairs) {
  const vocab = {};
  for (let b = 0; b < 256; b++) vocab[B2U[b]] = b;
  const merges = [];
  for (const [a, b] of mergePairs) {
    const [x, y] = [byteLevel(a), byteLevel(b)];
    if (!(x in vocab) || !(y in vocab)) throw new Error(`merge ${a}+${b}: a part is not in the vocabulary`);
    merges.push([x, y]);
    if (!((x + y) in vocab)) vocab[x + y] = Object.keys(vocab).length;
  }
  return {
    type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
    fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges,
  };
}

// A SentencePiece-style BPE (Llama 2, Mistral): <unk> <s> </s>, the 256 <0xNN> byte tokens, then characters and merges;
// characters outside the vocabulary fall back to their UTF-8 bytes.
function sentencePieceModel(chars, mergePairs, { ignoreMerges = false } = {}) {
  const vocab = { "<unk>": 0, "<s>": 1, "</s>": 2 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`] = 3 + b;
  for (const c of chars) if (!(c in vocab)) vocab[c] = Object.keys(vocab).length;
  const merges = [];
  for (const [a, b] of mergePairs) {
    if (!(a in vocab) || !(b in vocab)) throw new Error(`merge ${a}+${b}: a part is not in the vocabulary`);
    merges.push([a, b]);
    if (!((a + b) in vocab)) vocab[a + b] = Object.keys(vocab).length;
  }
  return {
    type: "BPE", dropout: null, unk_token: "<unk>", continuing_subword_prefix: null, end_of_word_suffix: null,
    fuse_unk: true, byte_fallback: true, ignore_merges: ignoreMerges, vocab, merges,
  };
}

const special = (id, content) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });

function tokenizerJson({ model, normalizer = null, pre_tokenizer = null, decoder = null, added = [] }) {
  return { version: "1.0", truncation: null, padding: null, added_tokens: added, normalizer, pre_tokenizer, post_processor: null, decoder, model };
}

// merges that the test strings exercise (text pairs; each merged token joins the vocabulary)
const englishMerges = [
  [" ", "t"], ["h", "e"], [" t", "he"], ["i", "n"], ["e", "r"], [" ", "a"], ["o", "n"], ["r", "e"], ["l", "l"],
  ["he", "ll"], ["hell", "o"], [" ", "w"], ["o", "r"], [" w", "or"], ["l", "d"], [" wor", "ld"], ["C", "a"], ["Ca", "f"],
  ["f", "i"], [" ", "c"], [" c", "a"], ["1", "2"], ["12", "3"], [" ", " "], ["s", "t"],
];

function byteLevelMergesWithAccents() {
  const m = byteLevelModel(englishMerges);
  // merges spelled directly in byte-level characters: é (C3 A9), Café, ï (C3 AF)
  const extra = [["Ã", "©"], ["Caf", "Ã©"], ["Ã", "¯"], ["Ġna", "Ã¯"]];
  const add = (x, y) => { m.merges.push([x, y]); if (!((x + y) in m.vocab)) m.vocab[x + y] = Object.keys(m.vocab).length; };
  add("Ġ", "n"); // " n"
  add("Ġn", "a");
  for (const [x, y] of extra) add(x, y);
  return m;
}

const qwen2Pattern = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const llama3Pattern = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const byteLevelPre = (useRegex) => ({ type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: useRegex });
const splitThenBytes = (pattern) => ({
  type: "Sequence",
  pretokenizers: [
    { type: "Split", pattern: { Regex: pattern }, behavior: "Isolated", invert: false },
    { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false },
  ],
});

function withEndOfText(model) {
  const id = Object.keys(model.vocab).length;
  return [special(id, "<|endoftext|>")];
}

const spChars = [..."▁abcdefghijklmnopqrstuvwxyzCHIMTéï12"];
const spMerges = [["▁", "t"], ["h", "e"], ["▁t", "he"], ["▁", "a"], ["i", "n"], ["e", "r"], ["l", "l"], ["he", "ll"], ["hell", "o"],
  ["▁", "w"], ["o", "r"], ["▁w", "or"], ["l", "d"], ["▁wor", "ld"], ["▁", "C"], ["▁C", "a"], ["▁Ca", "f"], ["▁Caf", "é"], ["f", "i"],
  ["▁", "c"], ["▁c", "a"], ["▁", "hello"], ["n", "a"], ["na", "ï"], ["▁", "na"]];

// ---------------- the tokenizers ----------------

const tokenizers = {};

{ // GPT-2: byte-level BPE, GPT-2's regex inside the ByteLevel pre-tokenizer
  const model = byteLevelMergesWithAccents();
  tokenizers["gpt2"] = tokenizerJson({ model, pre_tokenizer: byteLevelPre(true), decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true }, added: withEndOfText(model) });
}
{ // Qwen2: NFC, then Qwen2's Split regex, then bytes
  const model = byteLevelMergesWithAccents();
  tokenizers["qwen2"] = tokenizerJson({ model, normalizer: { type: "NFC" }, pre_tokenizer: splitThenBytes(qwen2Pattern), decoder: { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false }, added: withEndOfText(model) });
}
{ // Llama 3: no normalizer, Llama 3's Split regex (digits in groups of three), bytes
  const model = byteLevelMergesWithAccents();
  tokenizers["llama3"] = tokenizerJson({ model, pre_tokenizer: splitThenBytes(llama3Pattern), decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true }, added: withEndOfText(model) });
  tokenizers["llama"] = tokenizers["llama3"]; // both Llama folders
}
{ // Mistral / Llama 2 (SentencePiece converted): Prepend "▁" and Replace " " → "▁", byte fallback, no pre-tokenizer
  const model = sentencePieceModel(spChars, spMerges);
  tokenizers["mistral"] = tokenizerJson({
    model,
    normalizer: { type: "Sequence", normalizers: [{ type: "Prepend", prepend: "▁" }, { type: "Replace", pattern: { String: " " }, content: "▁" }] },
    decoder: { type: "Sequence", decoders: [{ type: "Replace", pattern: { String: "▁" }, content: " " }, { type: "ByteFallback" }, { type: "Fuse" }, { type: "Strip", content: " ", start: 1, stop: 0 }] },
    added: [special(0, "<unk>"), special(1, "<s>"), special(2, "</s>")],
  });
}
{ // newer SentencePiece conversions: Metaspace pre-tokenizer (prepend_scheme first) and individual digits
  const model = sentencePieceModel(spChars, spMerges);
  tokenizers["tokenizers/metaspace-digits"] = tokenizerJson({
    model,
    pre_tokenizer: { type: "Sequence", pretokenizers: [{ type: "Metaspace", replacement: "▁", prepend_scheme: "first", split: false }, { type: "Digits", individual_digits: true }] },
    decoder: { type: "Metaspace", replacement: "▁", prepend_scheme: "first", split: false },
    added: [special(0, "<unk>"), special(1, "<s>"), special(2, "</s>")],
  });
}
{ // NFKC: compatibility characters (full-width letters, ligatures, circled digits) fold before byte-level BPE
  const model = byteLevelMergesWithAccents();
  tokenizers["tokenizers/nfkc"] = tokenizerJson({ model, normalizer: { type: "NFKC" }, pre_tokenizer: byteLevelPre(true), decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true }, added: withEndOfText(model) });
}
{ // NFD: decomposed accents
  const model = byteLevelMergesWithAccents();
  tokenizers["tokenizers/nfd"] = tokenizerJson({ model, normalizer: { type: "NFD" }, pre_tokenizer: splitThenBytes(qwen2Pattern), decoder: { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false }, added: withEndOfText(model) });
}
{ // a Sequence of normalizers: NFKC, Strip, Lowercase, Replace (regex: runs of spaces → one "▁"), Prepend, over SentencePiece BPE
  const model = sentencePieceModel(spChars, spMerges);
  tokenizers["tokenizers/normalizer-sequence"] = tokenizerJson({
    model,
    normalizer: {
      type: "Sequence", normalizers: [
        { type: "NFKC" },
        { type: "Strip", strip_left: true, strip_right: true },
        { type: "Lowercase" },
        { type: "Replace", pattern: { Regex: " +" }, content: "▁" },
        { type: "Prepend", prepend: "▁" },
      ],
    },
    decoder: { type: "Sequence", decoders: [{ type: "Replace", pattern: { String: "▁" }, content: " " }, { type: "ByteFallback" }, { type: "Fuse" }, { type: "Strip", content: " ", start: 1, stop: 0 }] },
    added: [special(0, "<unk>"), special(1, "<s>"), special(2, "</s>")],
  });
}
{ // byte-level BPE with ignore_merges (Llama 3's tokenizer sets it): whole words in the vocabulary skip the merges
  const model = byteLevelMergesWithAccents();
  model.ignore_merges = true;
  model.vocab["Ġworld"] ??= Object.keys(model.vocab).length;
  tokenizers["tokenizers/ignore-merges"] = tokenizerJson({ model, pre_tokenizer: splitThenBytes(llama3Pattern), decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true }, added: withEndOfText(model) });
}

// ---------------- test strings ----------------

const strings = [
  "Caf\u00e9",                      // composed é
  "Cafe\u0301",                     // e + combining acute: NFC makes it the composed é
  "Caf\u00e9 au lait, Cafe\u0301 noir",
  "na\u00efve na\u0069\u0308ve",   // ï composed and decomposed
  "\uff21\uff22\uff23 \uff11\uff12\uff13", // full-width ABC 123 (NFKC: ASCII)
  "\ufb01ne \ufb02ow",              // ligatures ﬁ ﬂ
  "\u2460\u2461 x\u00b2",           // circled digits, superscript two
  "  leading and trailing  ",
  "MiXeD CaSe Hello World",
  "hello world",
  "the cat sat on the mat",
  "It's 2024: 12345 apples!",
  "line\nbreak\ttab  double  space",
  "end <|endoftext|> start",
  "<s>hello</s>",
  "\u65e5\u672c\u8a9e \ud83d\ude42",  // CJK, an emoji (4 UTF-8 bytes)
  "",
  " ",
];

// ---------------- write ----------------

const summary = [];
for (const [name, json] of Object.entries(tokenizers)) {
  const dir = join(out, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "tokenizer.json");
  const loaded = Tokenizer.fromString(JSON.stringify(json)); // the library checks the description
  loaded.save(file, true);                                    // and writes it in its own serialization
  const tok = Tokenizer.fromFile(file);
  const cases = [];
  for (const text of strings) {
    const enc = await tok.encode(text, null, { addSpecialTokens: false });
    cases.push({ text, ids: enc.getIds(), tokens: enc.getTokens() });
  }
  const expected = {
    reference: `tokenizers ${libraryVersion} (Hugging Face tokenizers, Node binding), tools/hf-fixtures/make_tokenizers.mjs`,
    vocab_size: tok.getVocabSize(true),
    cases,
  };
  writeFileSync(join(dir, name.startsWith("tokenizers/") ? "expected.json" : "tokenizer_expected.json"), JSON.stringify(expected, null, 1) + "\n");
  summary.push(`${name}: vocab ${expected.vocab_size}, ${cases.length} strings`);
}
console.log(summary.join("\n"));

// Encodes texts with a folder's tokenizer.json through Hugging Face's tokenizers library (the Rust crate's Node binding,
// installed by `npm install` in ../hf-fixtures). Reads a JSON array of strings on stdin, writes a JSON array of id arrays.
//   node encode.mjs FOLDER < texts.json
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "..", "hf-fixtures", "package.json"));
const { Tokenizer } = require("tokenizers");

const tok = Tokenizer.fromFile(join(process.argv[2], "tokenizer.json"));
const texts = JSON.parse(readFileSync(0, "utf8"));
const out = [];
for (const t of texts) out.push(Array.from((await tok.encode(t, null, { addSpecialTokens: false })).getIds()));
process.stdout.write(JSON.stringify(out));

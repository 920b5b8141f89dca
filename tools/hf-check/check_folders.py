"""Reads model folders written by `causalpo sft` / `causalpo train` (and `train --lora`) the way the Hugging Face stack
reads them, and compares the log-probabilities with what `causalpo score` wrote for the same texts.

    python3 check_folders.py FOLDER SCORES.csv [FOLDER SCORES.csv ...]

For each folder:
  * tokens: AutoTokenizer.from_pretrained(FOLDER) where transformers is installed, else the folder's tokenizer.json
    through Hugging Face's tokenizers library (the Rust crate's Node binding: `npm install` in ../hf-fixtures);
  * the model: AutoModelForCausalLM.from_pretrained(FOLDER) where transformers is installed, else the plain PyTorch
    reference of ../hf-fixtures/make_models.py reading config.json and model.safetensors as transformers would
    (names, GPT-2's Conv1D [in, out] layout, tied heads);
  * a LoRA run (adapter_config.json beside the weights) is checked twice: the folder as a full model (merged weights),
    and the adapter alone on the base it names (base_model_name_or_path): PeftModel.from_pretrained where peft is
    installed, else the reference's W + (B A)ᵀ·α/r;
  * log P(BOS, text, EOS) = Σ_t log p(x_t | x_<t) over [BOS] + ids + [EOS] (BOS and EOS from generation_config.json),
    which is what `causalpo score` reports, compared row by row with SCORES.csv's logprob column.
Prints one line per check with the largest absolute difference and exits 1 if any exceeds 1e-4 nats per text.
"""
import csv
import json
import os
import struct
import subprocess
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "hf-fixtures"))
import make_models as ref  # noqa: E402  (the plain PyTorch reference; importing it runs nothing)

TOLERANCE = 1e-4
try:
    import transformers  # noqa: F401
    HAVE_TRANSFORMERS = True
except ImportError:
    HAVE_TRANSFORMERS = False


def read_safetensors(path):
    """The safetensors format by hand: u64 little-endian header length, JSON header, raw little-endian data."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    dtypes = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64}
    out = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        a, b = h["data_offsets"]
        t = torch.frombuffer(bytearray(data[a:b]), dtype=dtypes[h["dtype"]]).reshape(h["shape"])
        out[name] = t.to(torch.float64)
    return out


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def encode(folder, texts):
    if HAVE_TRANSFORMERS:
        from transformers import AutoTokenizer
        tok = AutoTokenizer.from_pretrained(folder)
        return [tok(t, add_special_tokens=False)["input_ids"] for t in texts]
    out = subprocess.run(["node", os.path.join(HERE, "encode.mjs"), folder], input=json.dumps(texts).encode("utf-8"),
                         capture_output=True, check=True)
    return json.loads(out.stdout)


def reference_logits(folder, lora=None):
    cfg = read_json(os.path.join(folder, "config.json"))
    w = read_safetensors(os.path.join(folder, "model.safetensors"))
    kind = cfg["model_type"]
    if kind == "gpt2":
        if cfg.get("activation_function", "gelu_new") != "gelu_new":
            raise SystemExit(f"{folder}: the reference implements gelu_new only")
        return lambda ids: ref.gpt2_logits(cfg, w, ids, lora=lora)
    if lora:
        raise SystemExit(f"{folder}: the reference applies LoRA to GPT-2 only; install transformers and peft for {kind}")
    return lambda ids: ref.llama_logits(cfg, kind, w, ids)


def transformers_logits(folder, adapter=None):
    from transformers import AutoModelForCausalLM
    model = AutoModelForCausalLM.from_pretrained(folder, torch_dtype=torch.float64)
    if adapter:
        from peft import PeftModel
        model = PeftModel.from_pretrained(model, adapter)
    model.eval()

    def run(ids):
        with torch.no_grad():
            return model(torch.tensor([ids])).logits[0].double()
    return run


def adapter_lora(folder):
    """PEFT's adapter as {module path: (A [r, in], B [out, r], α / r)}."""
    cfg = read_json(os.path.join(folder, "adapter_config.json"))
    t = read_safetensors(os.path.join(folder, "adapter_model.safetensors"))
    scaling = cfg["lora_alpha"] / cfg["r"]
    prefix = "base_model.model."
    lora = {}
    for name in t:
        if name.endswith(".lora_A.weight"):
            path = name[len(prefix):-len(".lora_A.weight")]
            lora[path] = (t[name], t[prefix + path + ".lora_B.weight"], scaling)
    return cfg["base_model_name_or_path"], lora


def score(logits_fn, bos, eos, ids_list):
    out = []
    for ids in ids_list:
        seq = [bos] + list(ids) + [eos]
        out.append(sum(ref.log_probs(logits_fn(seq), seq)))
    return out


def check(label, got, expected):
    diff = max(abs(a - b) for a, b in zip(got, expected))
    ok = diff <= TOLERANCE
    print(f"{'PASS' if ok else 'FAIL'}  {label}: {len(got)} texts, largest |Δ log P| = {diff:.2e} nats "
          f"(causalpo {expected[0]:.4f} vs reader {got[0]:.4f} on the first)")
    return ok


def main(args):
    if len(args) < 2 or len(args) % 2:
        raise SystemExit(__doc__)
    print(f"reader: {'transformers ' + transformers.__version__ if HAVE_TRANSFORMERS else 'plain PyTorch reference (tools/hf-fixtures/make_models.py) + tokenizers (Rust, Node binding)'}; torch {torch.__version__}")
    ok = True
    for folder, scores_csv in zip(args[::2], args[1::2]):
        with open(scores_csv, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        texts = [r["text"] for r in rows]
        expected = [float(r["logprob"]) for r in rows]
        gen = read_json(os.path.join(folder, "generation_config.json"))
        bos, eos = gen["bos_token_id"], gen["eos_token_id"]
        ids = encode(folder, texts)
        cfg = read_json(os.path.join(folder, "config.json"))
        name = os.path.basename(os.path.normpath(folder))
        full = transformers_logits(folder) if HAVE_TRANSFORMERS else reference_logits(folder)
        ok &= check(f"{name} ({cfg['model_type']}) as a full model", score(full, bos, eos, ids), expected)
        if os.path.exists(os.path.join(folder, "adapter_config.json")):
            base, lora = adapter_lora(folder)
            if HAVE_TRANSFORMERS:
                fn = transformers_logits(base, adapter=folder)
            else:
                fn = reference_logits(base, lora=lora)
            ok &= check(f"{name}: its LoRA adapter on its base {os.path.basename(base)}", score(fn, bos, eos, ids), expected)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

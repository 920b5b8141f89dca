#!/usr/bin/env python3
"""Builds the small random Hugging Face model folders of tests/CausalPreference.Tests/Fixtures/hf and their reference
log-probabilities (expected.json). Not run by CI; see README.md here.

    node make_tokenizers.mjs          # first: writes the folders' tokenizer.json files
    python3 make_models.py            # then: config.json, model.safetensors, expected.json (needs PyTorch)

With transformers (and peft) importable, the models are built and evaluated by them (AutoModelForCausalLM.from_config,
PeftModel) and expected.json says "reference": "transformers x.y". Without them, the reference is the plain PyTorch
implementation below, written from the architectures as transformers defines them:

* GPT2LMHeadModel: learned positions, pre-LayerNorm blocks, fused q/k/v, tanh GELU ("gelu_new"), tied head. Its
  projections are Conv1D layers, stored [in, out] (y = x @ W + b) -- the transpose of nn.Linear.
* LlamaForCausalLM: RMSNorm, rotary embeddings in the rotate-half form (with "linear" or "llama3" rope_scaling),
  grouped-query attention (query head h reads key/value head h // (heads / kv_heads)), SiLU-gated MLP.
* Qwen2ForCausalLM: Llama's layout with biases on q, k and v; a sliding window on the layers listed in layer_types.
* MistralForCausalLM: Llama's layout; every layer attends through a sliding window over the whole text: query i sees
  keys j with i - window < j <= i (transformers' sliding_window_overlay on top of the causal mask).
* A PEFT LoRA adapter on GPT-2 (fan_in_fan_out, as PEFT requires for Conv1D): h += (x A^T B^T) * alpha / r.

The weights are random (fixed seeds), stored in float32; the reference runs in float64 from those float32 values.
"""
import json
import math
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "..", "tests", "CausalPreference.Tests", "Fixtures", "hf"))

try:  # the real library, where it is installed
    import transformers  # noqa: F401
    HAVE_TRANSFORMERS = True
except ImportError:
    HAVE_TRANSFORMERS = False


# ---------------------------------------------------------------- safetensors

def write_safetensors(path, tensors):
    """The safetensors format: u64 little-endian header length, a JSON header (dtype, shape, data_offsets), raw data."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        data = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)  # the data starts 8-byte aligned, as the library pads it
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


# ---------------------------------------------------------------- random weights

class Init:
    """Random float32 weights large enough that the models are far from uniform (so that a transposed or misplaced
    weight, or a wrong mask, moves the log-probabilities by much more than the tests' tolerance)."""

    def __init__(self, seed):
        self.g = torch.Generator().manual_seed(seed)

    def normal(self, *shape, std=1.0, mean=0.0):
        return (torch.randn(*shape, generator=self.g, dtype=torch.float32) * std + mean).contiguous()

    def matrix(self, rows, cols):  # scaled so activations keep unit size
        return self.normal(rows, cols, std=1.0 / math.sqrt(cols))

    def norm(self, n):
        return self.normal(n, std=0.1, mean=1.0)

    def bias(self, n):
        return self.normal(n, std=0.1)


# ---------------------------------------------------------------- GPT-2

def gpt2_weights(cfg, seed):
    r = Init(seed)
    d, v, ff = cfg["n_embd"], cfg["vocab_size"], cfg["n_inner"] or 4 * cfg["n_embd"]
    w = {"transformer.wte.weight": r.normal(v, d, std=0.5), "transformer.wpe.weight": r.normal(cfg["n_positions"], d, std=0.3)}
    for i in range(cfg["n_layer"]):
        p = f"transformer.h.{i}."
        # Conv1D weights: [in, out]
        w[p + "ln_1.weight"], w[p + "ln_1.bias"] = r.norm(d), r.bias(d)
        w[p + "attn.c_attn.weight"], w[p + "attn.c_attn.bias"] = r.matrix(3 * d, d).t().contiguous(), r.bias(3 * d)
        w[p + "attn.c_proj.weight"], w[p + "attn.c_proj.bias"] = r.matrix(d, d).t().contiguous(), r.bias(d)
        w[p + "ln_2.weight"], w[p + "ln_2.bias"] = r.norm(d), r.bias(d)
        w[p + "mlp.c_fc.weight"], w[p + "mlp.c_fc.bias"] = r.matrix(ff, d).t().contiguous(), r.bias(ff)
        w[p + "mlp.c_proj.weight"], w[p + "mlp.c_proj.bias"] = r.matrix(d, ff).t().contiguous(), r.bias(d)
    w["transformer.ln_f.weight"], w["transformer.ln_f.bias"] = r.norm(d), r.bias(d)
    return w


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = (x - mu).pow(2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * w + b


def causal_attention(q, k, v, window=0):
    """q [H,T,Dh], k/v [H,T,Dh]: softmax(q k^T / sqrt(Dh)) v with the causal mask, optionally a sliding window."""
    t = q.shape[1]
    i = torch.arange(t).unsqueeze(1)
    j = torch.arange(t).unsqueeze(0)
    allowed = j <= i
    if window > 0:
        allowed = allowed & (j > i - window)
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    scores = scores.masked_fill(~allowed, float("-inf"))
    return torch.softmax(scores, -1) @ v


def gpt2_logits(cfg, w, ids, lora=None, transpose_square_c_proj=False):
    """lora: {module path: (A [r,in], B [out,r], scaling)} applied as PEFT does (fan_in_fan_out: the same delta)."""
    W = {k: t.double() for k, t in w.items()}
    d, h = cfg["n_embd"], cfg["n_head"]
    eps = cfg["layer_norm_epsilon"]
    T = len(ids)

    def conv1d(x, prefix):
        wt = W[prefix + ".weight"]
        if transpose_square_c_proj and prefix.endswith("attn.c_proj"):
            wt = wt.t()
        y = x @ wt + W[prefix + ".bias"]
        if lora and prefix in lora:
            a, b, s = lora[prefix]
            y = y + (x @ a.double().t() @ b.double().t()) * s
        return y

    x = W["transformer.wte.weight"][ids] + W["transformer.wpe.weight"][:T]
    for i in range(cfg["n_layer"]):
        p = f"transformer.h.{i}."
        a = layer_norm(x, W[p + "ln_1.weight"], W[p + "ln_1.bias"], eps)
        q, k, v = conv1d(a, p + "attn.c_attn").split(d, -1)
        q, k, v = (z.view(T, h, d // h).transpose(0, 1) for z in (q, k, v))
        y = causal_attention(q, k, v).transpose(0, 1).reshape(T, d)
        x = x + conv1d(y, p + "attn.c_proj")
        m = layer_norm(x, W[p + "ln_2.weight"], W[p + "ln_2.bias"], eps)
        x = x + conv1d(gelu_new(conv1d(m, p + "mlp.c_fc")), p + "mlp.c_proj")
    x = layer_norm(x, W["transformer.ln_f.weight"], W["transformer.ln_f.bias"], eps)
    return x @ W["transformer.wte.weight"].t()


# ---------------------------------------------------------------- Llama, Qwen2, Mistral

def head_dim(cfg):
    return cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]


def llama_weights(cfg, seed, qkv_bias=False):
    r = Init(seed)
    d, v, ff = cfg["hidden_size"], cfg["vocab_size"], cfg["intermediate_size"]
    hd, h, kv = head_dim(cfg), cfg["num_attention_heads"], cfg["num_key_value_heads"]
    w = {"model.embed_tokens.weight": r.normal(v, d, std=0.5)}
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = r.norm(d)
        w[p + "self_attn.q_proj.weight"] = r.matrix(h * hd, d)
        w[p + "self_attn.k_proj.weight"] = r.matrix(kv * hd, d)
        w[p + "self_attn.v_proj.weight"] = r.matrix(kv * hd, d)
        if qkv_bias:
            w[p + "self_attn.q_proj.bias"], w[p + "self_attn.k_proj.bias"], w[p + "self_attn.v_proj.bias"] = r.bias(h * hd), r.bias(kv * hd), r.bias(kv * hd)
        w[p + "self_attn.o_proj.weight"] = r.matrix(d, h * hd)
        w[p + "post_attention_layernorm.weight"] = r.norm(d)
        w[p + "mlp.gate_proj.weight"] = r.matrix(ff, d)
        w[p + "mlp.up_proj.weight"] = r.matrix(ff, d)
        w[p + "mlp.down_proj.weight"] = r.matrix(d, ff)
    w["model.norm.weight"] = r.norm(d)
    if not cfg["tie_word_embeddings"]:
        w["lm_head.weight"] = r.normal(v, d, std=0.5)
    return w


def inverse_frequencies(cfg, scaling="config"):
    """transformers' rope initialisation: default, "linear" (divide by factor) or "llama3" (by wavelength band)."""
    hd = head_dim(cfg)
    inv = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    rs = cfg.get("rope_scaling") if scaling == "config" else None
    if not rs:
        return inv
    kind = rs.get("rope_type", rs.get("type"))
    if kind == "linear":
        return inv / rs["factor"]
    if kind == "llama3":
        factor, low, high, old = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"], rs["original_max_position_embeddings"]
        low_wavelen, high_wavelen = old / low, old / high
        wavelen = 2 * math.pi / inv
        scaled = torch.where(wavelen > low_wavelen, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelen < high_wavelen) & ~(wavelen > low_wavelen)
        return torch.where(medium, smoothed, scaled)
    raise ValueError(kind)


def rms_norm(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], -1)


def layer_windows(cfg, model_type):
    """The sliding window of each layer (0 = full attention), as transformers decides it."""
    n = cfg["num_hidden_layers"]
    if model_type == "mistral":
        return [cfg.get("sliding_window") or 0] * n
    if model_type == "qwen2":
        sw = cfg.get("sliding_window") if cfg.get("use_sliding_window") else None
        types = cfg.get("layer_types") or ["sliding_attention" if sw is not None and i >= cfg["max_window_layers"] else "full_attention" for i in range(n)]
        return [sw if t == "sliding_attention" and sw else 0 for t in types]
    return [0] * n


def llama_logits(cfg, model_type, w, ids, windows=None, rope="config", kv_tiled=False):
    W = {k: t.double() for k, t in w.items()}
    T = len(ids)
    hd, h, kv = head_dim(cfg), cfg["num_attention_heads"], cfg["num_key_value_heads"]
    eps = cfg["rms_norm_eps"]
    windows = layer_windows(cfg, model_type) if windows is None else windows
    angles = torch.outer(torch.arange(T, dtype=torch.float64), inverse_frequencies(cfg, rope))
    emb = torch.cat([angles, angles], -1)
    cos, sin = emb.cos(), emb.sin()

    def linear(x, name):
        y = x @ W[name + ".weight"].t()
        return y + W[name + ".bias"] if name + ".bias" in W else y

    x = W["model.embed_tokens.weight"][ids]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        a = rms_norm(x, W[p + "input_layernorm.weight"], eps)
        q = linear(a, p + "self_attn.q_proj").view(T, h, hd).transpose(0, 1)
        k = linear(a, p + "self_attn.k_proj").view(T, kv, hd).transpose(0, 1)
        v = linear(a, p + "self_attn.v_proj").view(T, kv, hd).transpose(0, 1)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        if kv_tiled:  # a wrong grouping, for the sensitivity numbers only
            k, v = k.repeat(h // kv, 1, 1), v.repeat(h // kv, 1, 1)
        else:  # repeat_kv: query head j reads key/value head j // (heads / kv_heads)
            k, v = k.repeat_interleave(h // kv, 0), v.repeat_interleave(h // kv, 0)
        y = causal_attention(q, k, v, windows[i]).transpose(0, 1).reshape(T, h * hd)
        x = x + linear(y, p + "self_attn.o_proj")
        m = rms_norm(x, W[p + "post_attention_layernorm.weight"], eps)
        x = x + linear(torch.nn.functional.silu(linear(m, p + "mlp.gate_proj")) * linear(m, p + "mlp.up_proj"), p + "mlp.down_proj")
    x = rms_norm(x, W["model.norm.weight"], eps)
    head = W["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else W["lm_head.weight"]
    return x @ head.t()


# ---------------------------------------------------------------- transformers (where installed)

def transformers_logits(folder, ids, adapter=None):
    from transformers import AutoModelForCausalLM
    model = AutoModelForCausalLM.from_pretrained(folder, torch_dtype=torch.float64, attn_implementation="eager")
    if adapter:
        from peft import PeftModel
        model = PeftModel.from_pretrained(model, adapter)
    model.eval()
    with torch.no_grad():
        return model(torch.tensor([ids])).logits[0].double()


# ---------------------------------------------------------------- reference numbers

def log_probs(logits, ids):
    """Per position t >= 1: log p(x_t | x_<t) = log_softmax(logits[t-1])[x_t] (the first token is context only)."""
    lp = torch.log_softmax(logits.double(), -1)
    return [float(lp[t - 1, ids[t]]) for t in range(1, len(ids))]


def sequences(vocab, seed, lengths=(2, 5, 9, 12, 16)):
    g = torch.Generator().manual_seed(seed)
    return [torch.randint(0, vocab, (n,), generator=g).tolist() for n in lengths]


def max_change(fn_a, fn_b, seqs):
    return max(abs(a - b) for s in seqs for a, b in zip(log_probs(fn_a(s), s), log_probs(fn_b(s), s)))


def expected(reference, seqs, logits_fn, sensitivity, notes):
    cases = []
    for s in seqs:
        per = log_probs(logits_fn(s), s)
        cases.append({"ids": s, "sum_logprob": sum(per), "token_logprobs": per})
    return {
        "reference": reference,
        "tolerance": 1e-4,
        "definition": "token_logprobs[t-1] = log p(ids[t] | ids[:t]) for t >= 1 (the first token is context); sum_logprob is their sum",
        "notes": notes,
        "sensitivity": {k: round(v, 6) for k, v in sensitivity.items()},
        "cases": cases,
    }


def tokenizer_vocab(folder):
    with open(os.path.join(folder, "tokenizer.json"), encoding="utf-8") as f:
        tj = json.load(f)
    ids = list(tj["model"]["vocab"].values()) + [a["id"] for a in tj.get("added_tokens", [])]
    specials = {a["content"]: a["id"] for a in tj.get("added_tokens", [])}
    return max(ids) + 1, specials


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, ensure_ascii=False)
        f.write("\n")


def main():
    if HAVE_TRANSFORMERS:
        reference = f"transformers {transformers.__version__}"
    else:
        reference = f"torch-reference (tools/hf-fixtures/make_models.py), torch {torch.__version__.split('+')[0]}"
    print("reference:", reference)
    sizes = {}

    def folder(name):
        path = os.path.join(OUT, name)
        if not os.path.exists(os.path.join(path, "tokenizer.json")) and not name.endswith("lora"):
            sys.exit(f"{path}/tokenizer.json is missing: run `node make_tokenizers.mjs` first")
        os.makedirs(path, exist_ok=True)
        return path

    def finish(path, weights_or_none, cfg, exp):
        if cfg is not None:
            write_json(os.path.join(path, "config.json"), cfg)
        if weights_or_none is not None:
            write_safetensors(os.path.join(path, "model.safetensors"), weights_or_none)
        write_json(os.path.join(path, "expected.json"), exp)
        sizes[os.path.basename(path)] = sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path))
        print(f"{os.path.basename(path)}: " + ", ".join(f"{k} {v:.3g}" for k, v in exp["sensitivity"].items()))

    def logits_fn(path, fallback, adapter=None):
        if HAVE_TRANSFORMERS:
            return lambda s: transformers_logits(path, s, adapter)
        return fallback

    # ---- GPT-2 (Conv1D [in, out] weights; the square attn.c_proj would load silently transposed)
    path = folder("gpt2")
    vocab, sp = tokenizer_vocab(path)
    eot = sp["<|endoftext|>"]
    cfg = {
        "activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1, "bos_token_id": eot,
        "embd_pdrop": 0.1, "eos_token_id": eot, "initializer_range": 0.02, "layer_norm_epsilon": 1e-05, "model_type": "gpt2",
        "n_embd": 16, "n_head": 2, "n_inner": None, "n_layer": 2, "n_positions": 32, "reorder_and_upcast_attn": False,
        "resid_pdrop": 0.1, "scale_attn_by_inverse_layer_idx": False, "scale_attn_weights": True,
        "tie_word_embeddings": True, "torch_dtype": "float32", "use_cache": True, "vocab_size": 300,
    }
    assert vocab <= cfg["vocab_size"]
    w = gpt2_weights(cfg, seed=1)
    seqs = sequences(vocab, 101)
    write_safetensors(os.path.join(path, "model.safetensors"), w)
    ref = logits_fn(path, lambda s: gpt2_logits(cfg, w, s))
    sens = {"attn.c_proj read transposed": max_change(lambda s: gpt2_logits(cfg, w, s), lambda s: gpt2_logits(cfg, w, s, transpose_square_c_proj=True), seqs)}
    finish(path, None, cfg, expected(reference, seqs, ref, sens, "GPT2LMHeadModel; Conv1D weights [in, out]; tied head"))
    gpt2_cfg, gpt2_w, gpt2_seqs = cfg, w, seqs

    # ---- a PEFT LoRA adapter on that GPT-2 (c_attn and both c_proj: the square attention one and the MLP's)
    path = folder("gpt2-lora")
    r, alpha = 2, 4.0
    init = Init(7)
    d, ff = gpt2_cfg["n_embd"], 4 * gpt2_cfg["n_embd"]
    shapes = {"attn.c_attn": (d, 3 * d), "attn.c_proj": (d, d), "mlp.c_proj": (ff, d)}  # (in, out)
    lora, tensors = {}, {}
    for i in range(gpt2_cfg["n_layer"]):
        for mod, (fin, fout) in shapes.items():
            p = f"transformer.h.{i}.{mod}"
            a, b = init.normal(r, fin, std=1.0 / math.sqrt(fin)), init.normal(fout, r, std=0.5)  # B nonzero: a trained adapter
            lora[p] = (a, b, alpha / r)
            tensors[f"base_model.model.{p}.lora_A.weight"], tensors[f"base_model.model.{p}.lora_B.weight"] = a, b
    write_safetensors(os.path.join(path, "adapter_model.safetensors"), tensors)
    adapter_cfg = {
        "alpha_pattern": {}, "auto_mapping": None, "base_model_name_or_path": "../gpt2", "bias": "none", "fan_in_fan_out": True,
        "inference_mode": True, "init_lora_weights": True, "layers_pattern": None, "layers_to_transform": None,
        "lora_alpha": alpha, "lora_dropout": 0.0, "modules_to_save": None, "peft_type": "LORA", "r": r, "rank_pattern": {},
        "revision": None, "target_modules": ["c_attn", "c_proj"], "task_type": "CAUSAL_LM", "use_dora": False, "use_rslora": False,
    }
    write_json(os.path.join(path, "adapter_config.json"), adapter_cfg)
    ref = logits_fn(os.path.join(OUT, "gpt2"), lambda s: gpt2_logits(gpt2_cfg, gpt2_w, s, lora=lora), adapter=path)
    sens = {"adapter ignored": max_change(lambda s: gpt2_logits(gpt2_cfg, gpt2_w, s, lora=lora), lambda s: gpt2_logits(gpt2_cfg, gpt2_w, s), gpt2_seqs)}
    finish(path, None, None, expected(reference, gpt2_seqs, ref,
                                      sens, "PEFT LoRA on ../gpt2 (fan_in_fan_out): W + (B A)^T alpha/r on the Conv1D layers"))

    def llama_family(name, model_type, cfg, seed, qkv_bias, notes, sensitivity):
        path = folder(name)
        vocab, _ = tokenizer_vocab(path)
        assert vocab <= cfg["vocab_size"]
        w = llama_weights(cfg, seed, qkv_bias)
        seqs = sequences(vocab, seed + 100)
        write_safetensors(os.path.join(path, "model.safetensors"), w)
        base = lambda s: llama_logits(cfg, model_type, w, s)  # noqa: E731
        sens = {k: max_change(base, lambda s, f=f: f(cfg, model_type, w, s), seqs) for k, f in sensitivity.items()}
        finish(path, None, cfg, expected(reference, seqs, logits_fn(path, base), sens, notes))

    def llama_cfg(model_type, arch, **kw):
        c = {
            "architectures": [arch], "attention_dropout": 0.0, "hidden_act": "silu", "hidden_size": 16, "initializer_range": 0.02,
            "intermediate_size": 32, "max_position_embeddings": 64, "model_type": model_type, "num_attention_heads": 4,
            "num_hidden_layers": 2, "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_scaling": None, "rope_theta": 10000.0,
            "tie_word_embeddings": False, "torch_dtype": "float32", "use_cache": True, "vocab_size": 300,
        }
        c.update(kw)
        return dict(sorted(c.items()))

    # ---- Llama: grouped-query attention (4 query heads, 2 key/value heads), linear rope scaling (older "type" key), untied head
    _, sp = tokenizer_vocab(os.path.join(OUT, "llama3"))
    eot = sp["<|endoftext|>"]
    full = lambda c, t, w, s: llama_logits(c, t, w, s, rope="none")  # noqa: E731
    tiled = lambda c, t, w, s: llama_logits(c, t, w, s, kv_tiled=True)  # noqa: E731
    llama_family("llama", "llama", llama_cfg("llama", "LlamaForCausalLM", attention_bias=False, mlp_bias=False, head_dim=4,
                                             pretraining_tp=1, bos_token_id=eot, eos_token_id=eot,
                                             rope_scaling={"type": "linear", "factor": 2.0}),
                 seed=2, qkv_bias=False, notes="LlamaForCausalLM; GQA 4 heads / 2 kv heads; rope_scaling linear x2; untied head",
                 sensitivity={"rope scaling ignored": full, "query head h reads kv head h % kv_heads": tiled})

    # ---- Llama 3.1 style: "llama3" rope scaling (each band of frequencies: kept, interpolated, divided), head_dim 8 != 16/4, tied
    llama_family("llama3", "llama", llama_cfg("llama", "LlamaForCausalLM", attention_bias=False, mlp_bias=False, head_dim=8,
                                              max_position_embeddings=256, rope_theta=100.0, tie_word_embeddings=True,
                                              pretraining_tp=1, bos_token_id=eot, eos_token_id=eot,
                                              rope_scaling={"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                                                            "original_max_position_embeddings": 32, "rope_type": "llama3"}),
                 seed=3, qkv_bias=False, notes="LlamaForCausalLM; rope_scaling llama3 (factor 8, original context 32); head_dim 8 with hidden 16 and 4 heads; tied head",
                 sensitivity={"rope scaling ignored": full})

    # ---- Qwen2: q/k/v biases; sliding window 4 on layer 1 only (use_sliding_window, max_window_layers 1); NFC tokenizer
    _, sp = tokenizer_vocab(os.path.join(OUT, "qwen2"))
    eot = sp["<|endoftext|>"]
    qcfg = llama_cfg("qwen2", "Qwen2ForCausalLM", num_attention_heads=2, num_key_value_heads=1, tie_word_embeddings=True,
                     use_sliding_window=True, sliding_window=4, max_window_layers=1, layer_types=["full_attention", "sliding_attention"],
                     bos_token_id=eot, eos_token_id=eot)
    llama_family("qwen2", "qwen2", qcfg, seed=4, qkv_bias=True,
                 notes="Qwen2ForCausalLM; q/k/v biases; GQA 2/1; sliding window 4 on layer 1 (layer 0 full); NFC tokenizer; tied head",
                 sensitivity={"window ignored": lambda c, t, w, s: llama_logits(c, t, w, s, windows=[0, 0]),
                              "window on every layer": lambda c, t, w, s: llama_logits(c, t, w, s, windows=[4, 4]),
                              "q/k/v biases dropped": lambda c, t, w, s: llama_logits(c, t, {k: v for k, v in w.items() if not k.endswith(".bias")}, s)})

    # ---- Mistral: sliding window 4 on every layer over texts of up to 16 tokens
    mcfg = llama_cfg("mistral", "MistralForCausalLM", max_position_embeddings=32, sliding_window=4, bos_token_id=1, eos_token_id=2, vocab_size=320,
                     head_dim=4)
    llama_family("mistral", "mistral", mcfg, seed=5, qkv_bias=False,
                 notes="MistralForCausalLM; sliding window 4 on every layer (query i sees keys i-3..i) over the whole text; GQA 4/2; untied head",
                 sensitivity={"window ignored": lambda c, t, w, s: llama_logits(c, t, w, s, windows=[0, 0]),
                              "last 4 tokens only (truncated context)": lambda c, t, w, s: truncated(c, t, w, s)})

    print("folder sizes (bytes):", sizes, "total", sum(sizes.values()))


def truncated(cfg, model_type, w, ids):
    """What a scorer that cuts the text to the window would compute: each token predicted from the last `window` tokens
    at positions 0.. (a different quantity from the sliding-window model's)."""
    win = cfg["sliding_window"]
    rows = []
    for t in range(len(ids)):
        ctx = ids[max(0, t - win + 1): t + 1]
        rows.append(llama_logits(cfg, model_type, w, ctx)[-1])
    return torch.stack(rows)


if __name__ == "__main__":
    main()

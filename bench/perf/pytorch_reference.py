#!/usr/bin/python3
"""PyTorch side of bench/perf: an independent GPT-2 (pre-LayerNorm, tanh GELU, tied LM head, KV cache) and the
same workloads as CausalPreference.Perf, read from bench/perf/plan.json, timed on the same machine with the same
thread count. Written for Debian's python3-torch (1.13), which has no scaled_dot_product_attention, so attention is
the explicit softmax(QK^T/sqrt(d))V that PyTorch users wrote before 2.0.

Usage: /usr/bin/python3 bench/perf/pytorch_reference.py --threads N [--quick] --out FILE --export DIR
  --export DIR writes the tiny model's weights, a padded check batch and its log-likelihoods, so that the .NET side
  can load the same weights and confirm both implementations compute the same function.
"""
import argparse
import json
import math
import os
import platform
import resource
import statistics
import struct
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads = c["heads"]
        self.c_attn = nn.Linear(c["dim"], 3 * c["dim"])
        self.c_proj = nn.Linear(c["dim"], c["dim"])

    def forward(self, x, cache, layer):
        b, t, d = x.shape
        qkv = self.c_attn(x).view(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        past = 0
        if cache is not None:
            if cache[layer] is not None:
                pk, pv = cache[layer]
                past = pk.shape[2]
                k, v = torch.cat([pk, k], 2), torch.cat([pv, v], 2)
            cache[layer] = (k, v)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(q.shape[-1]))
        if t > 1:  # a single new query may see every cached key
            total = k.shape[2]
            allowed = torch.arange(total).unsqueeze(0) <= (torch.arange(t).unsqueeze(1) + past)
            att = att.masked_fill(~allowed, float("-inf"))
        y = F.softmax(att, dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).contiguous().view(b, t, d))


class Mlp(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_fc = nn.Linear(c["dim"], 4 * c["dim"])
        self.c_proj = nn.Linear(4 * c["dim"], c["dim"])

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln_1 = nn.LayerNorm(c["dim"])
        self.attn = Attention(c)
        self.ln_2 = nn.LayerNorm(c["dim"])
        self.mlp = Mlp(c)

    def forward(self, x, cache, layer):
        x = x + self.attn(self.ln_1(x), cache, layer)
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.wte = nn.Embedding(c["vocab"], c["dim"])
        self.wpe = nn.Embedding(c["ctx"], c["dim"])
        self.h = nn.ModuleList([Block(c) for _ in range(c["layers"])])
        self.ln_f = nn.LayerNorm(c["dim"])


class Gpt2(nn.Module):
    """Parameter names match CausalPreference's Gpt2Model (transformer.h.0.attn.c_attn.weight, ...)."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        self.transformer = Transformer(c)
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.endswith(".bias"):
                    p.zero_()
                elif ".ln_" in name or name.startswith("transformer.ln_f"):
                    p.fill_(1.0)
                else:
                    std = 0.02 / math.sqrt(2 * c["layers"]) if name.endswith("c_proj.weight") else 0.02
                    p.normal_(0.0, std)

    def forward(self, ids, cache=None):
        past = 0
        if cache is not None and cache[0] is not None:
            past = cache[0][0].shape[2]
        t = ids.shape[1]
        tr = self.transformer
        x = tr.wte(ids) + tr.wpe(torch.arange(past, past + t))
        for i, block in enumerate(tr.h):
            x = block(x, cache, i)
        return F.linear(tr.ln_f(x), tr.wte.weight)  # tied head


def seq_logp(logits, ids, mask):
    """Per-row sum over t>=1 of mask_t * log softmax(logits_{t-1})[ids_t], accumulated in float64."""
    logp = F.log_softmax(logits[:, :-1].float(), dim=-1)
    tok = logp.gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1).double()
    return (tok * mask[:, 1:].double()).sum(1)


def padded_batch(lengths, vocab, gen):
    t = max(lengths)
    ids = torch.zeros(len(lengths), t, dtype=torch.long)
    mask = torch.zeros(len(lengths), t)
    for i, n in enumerate(lengths):
        ids[i, :n] = torch.randint(0, vocab - 1, (n,), generator=gen)
        ids[i, 0] = vocab - 1  # BOS
        mask[i, 1:n] = 1.0
    return ids, mask


def optimizer(model):
    return torch.optim.AdamW(model.parameters(), lr=5e-5, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)


def step(model, opt, loss_fn):
    opt.zero_grad()
    loss = loss_fn()
    loss.item()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()


def workload(w, c, gen):
    """Returns (shape description, tokens per iteration, a function running one iteration)."""
    torch.manual_seed(1)
    model = Gpt2(c)
    kind = w["kind"]
    if kind == "train_ft":
        ids, mask = padded_batch([w["seq"]] * w["batch"], c["vocab"], gen)
        opt = optimizer(model)
        model.train()

        def loss():
            return -seq_logp(model(ids), ids, mask).sum() / mask.sum()
        return f"B={w['batch']} T={w['seq']}", w["batch"] * w["seq"], lambda: step(model, opt, loss)
    if kind == "dr_cpo":
        ids, mask = padded_batch(w["lengths"], c["vocab"], gen)
        tids, tmask = padded_batch(w["tilde_lengths"], c["vocab"], gen)
        n, m = len(w["lengths"]), len(w["tilde_lengths"])
        ref = torch.randn(n, dtype=torch.float64, generator=gen) - 300.0
        y = torch.rand(n, dtype=torch.float64, generator=gen)
        g = torch.rand(n, dtype=torch.float64, generator=gen)
        f0 = torch.randn(m, dtype=torch.float64, generator=gen) - 300.0
        gt = torch.rand(m, dtype=torch.float64, generator=gen)
        opt = optimizer(model)
        model.train()

        def loss():
            d = seq_logp(model(ids), ids, mask) - ref
            dt = seq_logp(model(tids), tids, tmask) - f0
            value = (F.softmax(d, 0) * (y - g)).sum() + (F.softmax(dt, 0) * gt).sum()
            return -value
        tokens = sum(w["lengths"]) + sum(w["tilde_lengths"])
        return f"n={n} m={m} padded", tokens, lambda: step(model, opt, loss)
    if kind == "score":
        ids, mask = padded_batch([w["seq"]] * w["batch"], c["vocab"], gen)
        model.eval()

        def run():
            with torch.no_grad():
                seq_logp(model(ids), ids, mask).tolist()
        return f"B={w['batch']} T={w['seq']}", w["batch"] * w["seq"], run
    if kind == "generate":
        b, steps = w["batch"], w["new_tokens"]
        model.eval()
        sampler = torch.Generator().manual_seed(1)

        def run():
            with torch.no_grad():
                cache = [None] * c["layers"]
                x = torch.full((b, 1), c["vocab"] - 1, dtype=torch.long)
                total = [0.0] * b
                for _ in range(steps):
                    logp = F.log_softmax(model(x, cache)[:, -1], dim=-1)
                    nxt = torch.multinomial(logp.exp(), 1, generator=sampler)
                    chosen = logp.gather(-1, nxt).squeeze(-1).double().tolist()
                    nxt.view(-1).tolist()
                    total = [a + z for a, z in zip(total, chosen)]
                    x = nxt
        return f"batch {b}, {steps} new tokens", b * steps, run
    raise ValueError(f"unknown workload kind {kind}")


def export(c, directory, gen):
    """Tiny-model weights (float32, little-endian, in manifest order), a padded check batch and its log-likelihoods."""
    os.makedirs(directory, exist_ok=True)
    torch.manual_seed(7)
    model = Gpt2(c).eval()
    ids, mask = padded_batch([c["ctx"], 70, 33, 5], c["vocab"], gen)
    with torch.no_grad():
        lp = seq_logp(model(ids), ids, mask)
    manifest, offset = [], 0
    with open(os.path.join(directory, "weights.bin"), "wb") as f:
        for name, p in model.named_parameters():
            data = p.detach().contiguous().view(-1).tolist()
            f.write(struct.pack(f"<{len(data)}f", *data))
            manifest.append({"name": name, "shape": list(p.shape), "offset": offset})
            offset += len(data)
    with open(os.path.join(directory, "check.json"), "w") as f:
        json.dump({"tensors": manifest, "ids": ids.tolist(), "mask": mask.tolist(), "logp": lp.tolist()}, f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--plan", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "plan.json"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--export", default=None)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    plan = json.load(open(a.plan))
    section = plan["quick" if a.quick else "full"]
    gen = torch.Generator().manual_seed(0)
    if a.export:
        export(plan["configs"]["tiny"], a.export, gen)
    results = []
    for w in section["workloads"]:
        c = plan["configs"][w["config"]]
        shape, tokens, run = workload(w, c, gen)
        for _ in range(section["warmup"]):
            run()
        secs, cpu = [], []
        for _ in range(w["iters"]):
            t0, c0 = time.perf_counter(), time.process_time()
            run()
            secs.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        med, med_cpu = statistics.median(secs), statistics.median(cpu)
        results.append({"kind": w["kind"], "config": w["config"], "shape": shape, "tokens_per_iter": tokens,
                        "iters": w["iters"], "seconds": secs, "cpu_seconds": cpu, "median_s": med,
                        "tokens_per_s": tokens / med, "tokens_per_cpu_s": tokens / med_cpu})
        print(f"  pytorch {w['kind']:9} {w['config']:6} {shape:28} {tokens / med:10.0f} tok/s {tokens / med_cpu:10.0f} tok/cpu-s",
              flush=True)
    out = {"implementation": "pytorch", "version": torch.__version__, "python": platform.python_version(),
           "threads": torch.get_num_threads(), "workloads": results,
           "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()

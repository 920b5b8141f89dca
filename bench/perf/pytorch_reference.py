#!/usr/bin/python3
"""PyTorch side of bench/perf: an independent GPT-2 (pre-LayerNorm, tanh GELU, tied LM head, KV cache) and the
same workloads as CausalPreference.Perf, read from bench/perf/plan.json, timed on the same machine with the same
thread count. Written for Debian's python3-torch (1.13), which has no scaled_dot_product_attention, so on the CPU
attention is the explicit softmax(QK^T/sqrt(d))V that PyTorch users wrote before 2.0. On a GPU (--device cuda) it
uses F.scaled_dot_product_attention, as a PyTorch 2 user (nanoGPT) would and as CausalPreference does.

Usage: /usr/bin/python3 bench/perf/pytorch_reference.py --threads N [--quick] --out FILE --export DIR
       python3 bench/perf/pytorch_reference.py --threads N --device cuda [--dtype bfloat16] --out FILE --export DIR
  --export DIR writes the tiny model's weights, a padded check batch and its log-likelihoods, so that the .NET side
  can load the same weights and confirm both implementations compute the same function (always float32, on the CPU).
  --device cuda runs the plan's "gpu" section (--section overrides), synchronizing the device around each timed
  iteration, and reports torch.cuda.max_memory_allocated and nvidia-smi's memory use per workload.
  --dtype bfloat16 casts the whole model to bfloat16 (model.to(torch.bfloat16)): pure bf16, no autocast.
"""
import argparse
import json
import math
import os
import platform
import resource
import gc
import statistics
import struct
import subprocess
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


SDPA = False  # set by main() for GPU runs: F.scaled_dot_product_attention instead of the explicit softmax


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
        if SDPA and (t == 1 or past == 0):  # a single new query sees every key; a fresh prompt is plainly causal
            y = F.scaled_dot_product_attention(q, k, v, is_causal=t > 1)
            return self.c_proj(y.transpose(1, 2).contiguous().view(b, t, d))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(q.shape[-1]))
        if t > 1:  # a single new query may see every cached key
            total = k.shape[2]
            allowed = torch.arange(total, device=x.device).unsqueeze(0) <= (torch.arange(t, device=x.device).unsqueeze(1) + past)
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
        x = tr.wte(ids) + tr.wpe(torch.arange(past, past + t, device=ids.device))
        for i, block in enumerate(tr.h):
            x = block(x, cache, i)
        return F.linear(tr.ln_f(x), tr.wte.weight)  # tied head


def seq_logp(logits, ids, mask):
    """Per-row sum over t>=1 of mask_t * log softmax(logits_{t-1})[ids_t], accumulated in float64."""
    logp = F.log_softmax(logits[:, :-1].float(), dim=-1)
    tok = logp.gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1).double()
    return (tok * mask[:, 1:].double()).sum(1)


def padded_batch(lengths, vocab, gen, device="cpu"):
    t = max(lengths)
    ids = torch.zeros(len(lengths), t, dtype=torch.long)
    mask = torch.zeros(len(lengths), t)
    for i, n in enumerate(lengths):
        ids[i, :n] = torch.randint(0, vocab - 1, (n,), generator=gen)
        ids[i, 0] = vocab - 1  # BOS
        mask[i, 1:n] = 1.0
    return ids.to(device), mask.to(device)


def optimizer(model):
    return torch.optim.AdamW(model.parameters(), lr=5e-5, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)


def step(model, opt, loss_fn):
    opt.zero_grad()
    loss = loss_fn()
    loss.item()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()


def workload(w, c, gen, device="cpu", dtype=torch.float32):
    """Returns (shape description, tokens per iteration, a function running one iteration)."""
    torch.manual_seed(1)
    model = Gpt2(c).to(device=device, dtype=dtype)
    kind = w["kind"]
    if kind == "train_ft":
        ids, mask = padded_batch([w["seq"]] * w["batch"], c["vocab"], gen, device)
        opt = optimizer(model)
        model.train()

        def loss():
            return -seq_logp(model(ids), ids, mask).sum() / mask.sum()
        return f"B={w['batch']} T={w['seq']}", w["batch"] * w["seq"], lambda: step(model, opt, loss)
    if kind == "dr_cpo":
        ids, mask = padded_batch(w["lengths"], c["vocab"], gen, device)
        tids, tmask = padded_batch(w["tilde_lengths"], c["vocab"], gen, device)
        n, m = len(w["lengths"]), len(w["tilde_lengths"])
        ref = (torch.randn(n, dtype=torch.float64, generator=gen) - 300.0).to(device)
        y = torch.rand(n, dtype=torch.float64, generator=gen).to(device)
        g = torch.rand(n, dtype=torch.float64, generator=gen).to(device)
        f0 = (torch.randn(m, dtype=torch.float64, generator=gen) - 300.0).to(device)
        gt = torch.rand(m, dtype=torch.float64, generator=gen).to(device)
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
        ids, mask = padded_batch([w["seq"]] * w["batch"], c["vocab"], gen, device)
        model.eval()

        def run():
            with torch.no_grad():
                seq_logp(model(ids), ids, mask).tolist()
        return f"B={w['batch']} T={w['seq']}", w["batch"] * w["seq"], run
    if kind == "generate":
        b, steps, greedy = w["batch"], w["new_tokens"], w.get("greedy", False)
        model.eval()
        sampler = torch.Generator(device=device).manual_seed(1)

        def run():
            with torch.no_grad():
                cache = [None] * c["layers"]
                x = torch.full((b, 1), c["vocab"] - 1, dtype=torch.long, device=device)
                total = [0.0] * b
                for _ in range(steps):
                    logp = F.log_softmax(model(x, cache)[:, -1].float(), dim=-1)
                    if greedy:
                        nxt = logp.argmax(-1, keepdim=True)
                    else:
                        nxt = torch.multinomial(logp.exp(), 1, generator=sampler)
                    chosen = logp.gather(-1, nxt).squeeze(-1).double().tolist()
                    nxt.view(-1).tolist()
                    total = [a + z for a, z in zip(total, chosen)]
                    x = nxt
        return f"batch {b}, {steps} new tokens" + (", greedy" if greedy else ""), b * steps, run
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


def gpu_used_mb():
    """nvidia-smi's memory used by this process (MiB), or None."""
    try:
        out = subprocess.run(["nvidia-smi", "--query-compute-apps=pid,used_memory", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in out.splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) == 2 and parts[0] == str(os.getpid()):
            try:
                return float(parts[1])
            except ValueError:
                return None
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--plan", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "plan.json"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--export", default=None)
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
    ap.add_argument("--section", default=None, help="full, quick or gpu (default: quick with --quick, gpu on cuda, else full)")
    a = ap.parse_args()
    global SDPA
    gpu = a.device != "cpu"
    if gpu and not torch.cuda.is_available():
        raise SystemExit(f"pytorch_reference: --device {a.device} but torch {torch.__version__} sees no CUDA device")
    SDPA = gpu and hasattr(F, "scaled_dot_product_attention")
    dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16}[a.dtype]
    torch.set_num_threads(a.threads)
    plan = json.load(open(a.plan))
    section = plan[a.section or ("quick" if a.quick else "gpu" if gpu else "full")]
    gen = torch.Generator().manual_seed(0)
    if a.export:
        export(plan["configs"]["tiny"], a.export, gen)
    sync = torch.cuda.synchronize if gpu else (lambda: None)
    results, failures = [], []
    for w in section["workloads"]:
        c = plan["configs"][w["config"]]
        try:
            if gpu:
                torch.cuda.reset_peak_memory_stats()
            shape, tokens, run = workload(w, c, gen, a.device, dtype)
            for _ in range(section["warmup"]):
                run()
            secs, cpu = [], []
            for _ in range(w["iters"]):
                sync()
                t0, c0 = time.perf_counter(), time.process_time()
                run()
                sync()  # CUDA kernels run asynchronously: stop the clock only when the device is done
                secs.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
        except Exception as e:  # noqa: BLE001 - one failing workload must not hide the others on a GPU
            if not gpu:
                raise
            print(f"  pytorch {w['kind']:9} {w['config']:6} FAILED: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}", flush=True)
            failures.append({"kind": w["kind"], "config": w["config"], "error": f"{type(e).__name__}: {e}"})
            run = None
            gc.collect()
            continue
        med, med_cpu = statistics.median(secs), statistics.median(cpu)
        r = {"kind": w["kind"], "config": w["config"], "shape": shape, "tokens_per_iter": tokens,
             "iters": w["iters"], "seconds": secs, "cpu_seconds": cpu, "median_s": med,
             "tokens_per_s": tokens / med, "tokens_per_cpu_s": tokens / med_cpu}
        mem = ""
        if gpu:
            r["max_memory_allocated_mb"] = torch.cuda.max_memory_allocated() / 2**20
            r["gpu_memory_mb"] = gpu_used_mb()
            smi = "-" if r["gpu_memory_mb"] is None else f"{r['gpu_memory_mb']:.0f}"
            mem = f" {smi:>8} MiB GPU (nvidia-smi), max allocated {r['max_memory_allocated_mb']:.0f} MiB"
        results.append(r)
        print(f"  pytorch {w['kind']:9} {w['config']:6} {shape:28} {tokens / med:10.0f} tok/s {tokens / med_cpu:10.0f} tok/cpu-s{mem}",
              flush=True)
        run = None
        gc.collect()
    out = {"implementation": "pytorch", "version": torch.__version__, "python": platform.python_version(),
           "threads": torch.get_num_threads(), "workloads": results,
           "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}
    if gpu:
        out.update({"device": a.device, "device_name": torch.cuda.get_device_name(), "dtype": a.dtype,
                    "attention": "scaled_dot_product_attention" if SDPA else "explicit softmax",
                    "allow_tf32_matmul": torch.backends.cuda.matmul.allow_tf32, "failures": failures})
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()

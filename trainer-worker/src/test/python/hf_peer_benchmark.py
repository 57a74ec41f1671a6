"""The peer of ModelRuntimeBenchmark: Hugging Face transformers + PEFT on PyTorch (CPU, fp32), same shapes and
settings, one JSON line per shape on stdout (ModelRuntimeBenchmark --peer runs it and merges the rows).

    python hf_peer_benchmark.py --threads 2 --steps 8 --new-tokens 256 --shapes 1M,10M,50M

Verified with torch 2.13.0+cpu, transformers 5.18.0, peft 0.21.0. FLOP counting and MFU as in
ModelRuntimeBenchmark (fastest step, better of two sampling runs, best GEMM measurement, and the paced MFU against
GEMM probes between steps); the GEMM peak is torch's own, measured in this process.
"""
import argparse
import json
import time

import torch
import transformers
from peft import LoraConfig, get_peft_model
from transformers import LlamaConfig, LlamaForCausalLM

BATCH, SEQUENCE, WARMUP, PROMPT = 8, 256, 2, 16
SIZES = {
    "1M": dict(hidden_size=128, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=4, intermediate_size=344, vocab_size=1024),
    "10M": dict(hidden_size=320, num_hidden_layers=6, num_attention_heads=8, num_key_value_heads=4, intermediate_size=864, vocab_size=8192),
    "50M": dict(hidden_size=640, num_hidden_layers=8, num_attention_heads=10, num_key_value_heads=5, intermediate_size=1728, vocab_size=16384),
}
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def time_product(a, b):
    """Seconds of one product a @ b."""
    started = time.perf_counter()
    a @ b
    return time.perf_counter() - started


def gemm_peak():
    best = 0.0
    for n in (1024, 2048, 3072):
        a, b = torch.randn(n, n), torch.randn(n, n)
        for _ in range(2):
            time_product(a, b)
        repeats = max(3, int(2e10 / (2.0 * n**3)))
        seconds = sum(time_product(a, b) for _ in range(repeats))
        best = max(best, 2.0 * n**3 * repeats / seconds / 1e9)
    return best


class GemmProbe:
    """As ModelRuntimeBenchmark.GemmProbe: the faster of one 1024² and one 2048² matmul, measured between steps."""

    def __init__(self):
        self.operands = [(torch.randn(n, n), torch.randn(n, n)) for n in (1024, 2048)]
        for a, b in self.operands:
            time_product(a, b)

    def gflops(self):
        best = 0.0
        for a, b in self.operands:
            best = max(best, 2.0 * a.shape[0] ** 3 / time_product(a, b) / 1e9)
        return best


def matmul_weights(c):
    d = c.hidden_size
    head_dim = d // c.num_attention_heads
    q, kv = c.num_attention_heads * head_dim, c.num_key_value_heads * head_dim
    return c.num_hidden_layers * (d * (2 * q + 2 * kv) + 3 * d * c.intermediate_size) + c.vocab_size * d


def train_rate(model, steps, flops_per_token):
    """(fastest step's tokens/s, median over steps of each step's MFU against the probes just before and after it)"""
    probe = GemmProbe()
    mfu, before = [], 0.0
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4, weight_decay=0.01)
    generator = torch.Generator().manual_seed(1)
    times = []
    for step in range(WARMUP + steps):
        tokens = torch.randint(0, model.config.vocab_size, (BATCH, SEQUENCE), generator=generator)
        if step == WARMUP:
            before = probe.gflops()
        started = time.perf_counter()
        loss = model(input_ids=tokens, labels=tokens).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if step >= WARMUP:
            seconds = time.perf_counter() - started
            after = probe.gflops()
            times.append(seconds)
            mfu.append(BATCH * SEQUENCE * flops_per_token / seconds / 1e9 / max(before, after))
            before = after
    return BATCH * SEQUENCE / min(times), sorted(mfu)[len(mfu) // 2]


def sampling_rate(model, new_tokens, cache, batch=1):
    generator = torch.Generator().manual_seed(2)
    prompt = torch.randint(0, model.config.vocab_size, (batch, PROMPT), generator=generator)
    settings = dict(do_sample=False, use_cache=cache, eos_token_id=None, pad_token_id=0)
    with torch.no_grad():
        model.generate(prompt, max_new_tokens=8, min_new_tokens=8, **settings)
        best = 0.0
        for _ in range(2):
            started = time.perf_counter()
            out = model.generate(prompt, max_new_tokens=new_tokens, min_new_tokens=new_tokens, **settings)
            best = max(best, batch * (out.shape[1] - PROMPT) / (time.perf_counter() - started))
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--new-tokens", type=int, default=256)
    parser.add_argument("--shapes", default="1M,10M,50M")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    rows, peak = [], 0.0
    for name in args.shapes.split(","):
        peak = max(peak, gemm_peak())
        config = LlamaConfig(
            **SIZES[name], max_position_embeddings=SEQUENCE + 320, tie_word_embeddings=True, rms_norm_eps=1e-5,
            bos_token_id=0, eos_token_id=1, pad_token_id=2,
        )
        model = LlamaForCausalLM(config)
        parameters = sum(p.numel() for p in model.parameters())  # tied embeddings count once
        n = matmul_weights(config)
        attention = 12.0 * config.num_hidden_layers * SEQUENCE * config.hidden_size
        full_flops = 6.0 * n + attention
        model.train()
        full, full_paced = train_rate(model, args.steps, full_flops)
        model.eval()
        cached = sampling_rate(model, args.new_tokens, True)
        recomputed = sampling_rate(model, args.new_tokens, False)
        batched = sampling_rate(model, args.new_tokens, True, batch=8)
        lora_model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0, target_modules=TARGETS))
        lora_weights = sum(p.numel() for p in lora_model.parameters() if p.requires_grad)
        lora_flops = 4.0 * n + 6.0 * lora_weights + attention
        lora_model.train()
        lora, lora_paced = train_rate(lora_model, args.steps, lora_flops)
        row = dict(
            runtime=f"transformers {transformers.__version__} + PEFT (torch {torch.__version__})",
            size=name,
            parameters=parameters,
            full_tokens_per_second=full,
            full_flops_per_token=full_flops,
            full_paced_mfu=full_paced,
            lora_tokens_per_second=lora,
            lora_flops_per_token=lora_flops,
            lora_paced_mfu=lora_paced,
            cached_tokens_per_second=cached,
            recomputed_tokens_per_second=recomputed,
            batched_tokens_per_second=batched,
        )
        print(f"{name}: full {full:.0f} tok/s (paced MFU {100 * full_paced:.0f} %), LoRA {lora:.0f} tok/s"
              f" (paced MFU {100 * lora_paced:.0f} %), sampling {cached:.1f} / {recomputed:.1f} tok/s,"
              f" batch of 8 {batched:.0f} tok/s", flush=True)
        rows.append(row)
    peak = max(peak, gemm_peak())
    print(f"fp32 GEMM peak of the run: {peak:.1f} GFLOP/s", flush=True)
    for row in rows:
        print(json.dumps(dict(row, gemm_peak=peak)), flush=True)


if __name__ == "__main__":
    main()

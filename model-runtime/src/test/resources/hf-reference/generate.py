"""Regenerates the Hugging Face reference fixtures in this directory (run from it).

Needs torch, transformers, peft and safetensors (verified with torch 2.13.0+cpu, transformers 5.18.0, peft 0.21.0):
    python generate.py

Writes tiny random checkpoints with save_pretrained and what transformers computes for fixed token ids, so the
Java tests can check tensor names, layouts, RoPE, grouped-query attention, RMSNorm, biases, adapters and sampling
against the reference implementation:
  gqa-untied/           Llama, fp32 storage, 4 query heads on 2 key/value heads, untied lm_head
  mha-tied-bf16/        Llama, bf16 storage, tied embeddings, rope_theta 500000
  llama3-sharded-f16/   Llama, fp16 storage in 3 shards with an index, rope_scaling of type llama3 (all three
                        frequency bands hit), attention_bias and mlp_bias, GQA 4:2, untied; plus
                        lora-qv/ a PEFT adapter on q_proj and v_proj (r 4, alpha 8, plain scaling)
  qwen2-tied/           Qwen2, fp32, q/k/v biases, tied embeddings, GQA 4:2, rope_theta 1e6; plus
                        lora-all/ a PEFT adapter on all seven projections (r 4, alpha 8, rsLoRA)
Every expected.safetensors holds input_ids, logits, hidden_states ([L+1, B, T, d]: the embedding output, then the
residual stream after each layer, the last one *before* the final norm) and, for the model directories with an
adapter, logits_with_<adapter>. qwen2-tied/expected.safetensors also holds greedy_ids: 6 tokens greedily generated
(with transformers' KV cache) after the two prompts of prompts_left_padded (left-padded with pad id 0; lengths in
prompt_lengths).

LoRA adapters use init_lora_weights=False, so B is not zero and the adapter changes the logits.
"""
import json
import os

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from safetensors.torch import save_file
from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

TOKENS = torch.tensor([[1, 5, 9, 2, 60, 33, 7, 7, 12, 41], [3, 3, 8, 50, 0, 63, 22, 17, 4, 9]])

SMALL = dict(
    vocab_size=64,
    hidden_size=32,
    intermediate_size=48,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    max_position_embeddings=64,
    rms_norm_eps=1e-6,
    bos_token_id=1,
    eos_token_id=2,
)


def randomize(model):
    # Larger weights than the 0.02 default, so that logits differ clearly between positions.
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if parameter.dim() == 2:
                parameter.normal_(0, 0.2)
            elif name.endswith("bias"):
                parameter.normal_(0, 0.5)
            else:
                parameter.uniform_(0.5, 1.5)


def reference_outputs(model):
    """Logits and hidden states; the last layer's raw output is taken with a hook (transformers reports it normed)."""
    captured = {}
    handle = model.model.layers[-1].register_forward_hook(lambda m, i, o: captured.update(last=o[0] if isinstance(o, tuple) else o))
    with torch.no_grad():
        out = model(input_ids=TOKENS, output_hidden_states=True)
    handle.remove()
    hidden = list(out.hidden_states[:-1]) + [captured["last"]]
    return {"input_ids": TOKENS.to(torch.float32), "logits": out.logits.contiguous(), "hidden_states": torch.stack(hidden).contiguous()}


def build(name, model_class, config_class, dtype, max_shard_size=None, **overrides):
    torch.manual_seed(1234)
    settings = dict(SMALL)
    settings.update(overrides)
    model = model_class(config_class(**settings))
    randomize(model)
    kwargs = {"max_shard_size": max_shard_size} if max_shard_size else {}
    model.to(dtype).save_pretrained(name, safe_serialization=True, **kwargs)
    # References come from the stored weights reloaded in fp32, as the Java side computes.
    reloaded = model_class.from_pretrained(name, dtype=torch.float32).eval()
    return reloaded, reference_outputs(reloaded)


def add_adapter(model, directory, name, **lora):
    torch.manual_seed(99)
    config = LoraConfig(init_lora_weights=False, lora_dropout=0.0, **lora)
    peft_model = get_peft_model(model, config)
    with torch.no_grad():
        for pname, parameter in peft_model.named_parameters():
            if "lora_" in pname:
                parameter.normal_(0, 0.3)
    peft_model.save_pretrained(f"{directory}/{name}")
    os.remove(f"{directory}/{name}/README.md")
    # The adapter as PEFT loads it back, to check the file and not only the in-memory module.
    base = type(model).from_pretrained(directory, dtype=torch.float32).eval()
    loaded = PeftModel.from_pretrained(base, f"{directory}/{name}").eval()
    with torch.no_grad():
        return loaded(input_ids=TOKENS).logits.contiguous(), loaded


def write_expected(directory, tensors):
    save_file(tensors, f"{directory}/expected.safetensors")


def build_llama_references():
    _, expected = build("gqa-untied", LlamaForCausalLM, LlamaConfig, torch.float32, tie_word_embeddings=False)
    write_expected("gqa-untied", {k: expected[k] for k in ("input_ids", "logits")})
    _, expected = build(
        "mha-tied-bf16",
        LlamaForCausalLM,
        LlamaConfig,
        torch.bfloat16,
        tie_word_embeddings=True,
        num_key_value_heads=4,
        rope_theta=500000.0,
    )
    write_expected("mha-tied-bf16", {k: expected[k] for k in ("input_ids", "logits")})

    model, expected = build(
        "llama3-sharded-f16",
        LlamaForCausalLM,
        LlamaConfig,
        torch.float16,
        max_shard_size="20KB",
        tie_word_embeddings=False,
        attention_bias=True,
        mlp_bias=True,
        max_position_embeddings=128,
        # head_dim 8, θ 10000: wavelengths 6.3, 63, 628, 6283 against a 64-token original context with
        # high_freq_factor 4 (boundary 16) and low_freq_factor 1 (boundary 64): one band kept, one smoothed,
        # two divided by the factor.
        rope_scaling={
            "rope_type": "llama3",
            "factor": 8.0,
            "low_freq_factor": 1.0,
            "high_freq_factor": 4.0,
            "original_max_position_embeddings": 64,
        },
    )
    logits, _ = add_adapter(
        model, "llama3-sharded-f16", "lora-qv", r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]
    )
    expected["logits_with_lora-qv"] = logits
    write_expected("llama3-sharded-f16", expected)


def build_qwen2_references():
    model, expected = build(
        "qwen2-tied",
        Qwen2ForCausalLM,
        Qwen2Config,
        torch.float32,
        tie_word_embeddings=True,
        rope_theta=1000000.0,
    )
    logits, peft_model = add_adapter(
        model,
        "qwen2-tied",
        "lora-all",
        r=4,
        lora_alpha=8,
        use_rslora=True,
        target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    )
    expected["logits_with_lora-all"] = logits

    # Greedy decoding of two left-padded prompts of different lengths, with the KV cache.
    base = Qwen2ForCausalLM.from_pretrained("qwen2-tied", dtype=torch.float32).eval()
    prompts = [[5, 9, 2, 60, 33, 7], [12, 41, 3]]
    width = max(len(p) for p in prompts)
    ids = torch.tensor([[0] * (width - len(p)) + p for p in prompts])
    mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts])
    with torch.no_grad():
        generated = base.generate(
            input_ids=ids, attention_mask=mask, max_new_tokens=6, do_sample=False, pad_token_id=0, eos_token_id=None
        )
    expected["prompts_left_padded"] = ids.to(torch.float32)
    expected["prompt_lengths"] = torch.tensor([len(p) for p in prompts], dtype=torch.float32)
    expected["greedy_ids"] = generated[:, width:].to(torch.float32).contiguous()
    write_expected("qwen2-tied", expected)


if __name__ == "__main__":
    build_llama_references()
    build_qwen2_references()

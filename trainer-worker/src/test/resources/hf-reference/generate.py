"""Regenerates the Hugging Face reference fixtures in this directory (run from it).

Needs torch, transformers and safetensors (verified with torch 2.13.0+cpu, transformers 5.18.0):
    python generate.py

Writes two tiny random LlamaForCausalLM checkpoints with save_pretrained and the logits transformers computes for
fixed token ids, so LlamaModelHfReferenceTest can check tensor names, layouts, RoPE, grouped-query attention and
RMSNorm against the reference implementation:
  gqa-untied/  fp32 storage, 4 query heads on 2 key/value heads, untied lm_head
  mha-tied-bf16/  bf16 storage, tied embeddings, rope_theta 500000
"""
import torch
from safetensors.torch import save_file
from transformers import LlamaConfig, LlamaForCausalLM

TOKENS = torch.tensor([[1, 5, 9, 2, 60, 33, 7, 7, 12, 41], [3, 3, 8, 50, 0, 63, 22, 17, 4, 9]])


def build(name, dtype, **overrides):
    torch.manual_seed(1234)
    settings = dict(
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
    settings.update(overrides)
    config = LlamaConfig(**settings)
    model = LlamaForCausalLM(config)
    # Larger weights than the 0.02 default, so that logits differ clearly between positions.
    with torch.no_grad():
        for parameter in model.parameters():
            if parameter.dim() == 2:
                parameter.normal_(0, 0.2)
            else:
                parameter.uniform_(0.5, 1.5)
    model.to(dtype).save_pretrained(name, safe_serialization=True)
    reloaded = LlamaForCausalLM.from_pretrained(name, dtype=torch.float32).eval()
    with torch.no_grad():
        logits = reloaded(input_ids=TOKENS).logits
    save_file({"input_ids": TOKENS.to(torch.float32), "logits": logits.contiguous()}, f"{name}/expected.safetensors")


build("gqa-untied", torch.float32, tie_word_embeddings=False)
build("mha-tied-bf16", torch.bfloat16, tie_word_embeddings=True, num_key_value_heads=4, rope_theta=500000.0)

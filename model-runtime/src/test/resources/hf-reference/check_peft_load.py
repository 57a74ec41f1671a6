"""Checks that an adapter directory written by SafeTune loads in PEFT and computes what SafeTune computed.

    python check_peft_load.py <adapter-dir>

The directory holds adapter_config.json and adapter_model.safetensors (LlamaModel.saveAdapter) and
java_logits.safetensors: SafeTune's logits for the token ids below. The base model is read from the adapter's
base_model_name_or_path, with transformers' AutoModelForCausalLM, and the adapter attached with
PeftModel.from_pretrained; the script fails unless PEFT loads every adapter tensor and the logits agree to 1e-5 of
their scale. Manual check, not part of the Java build (which never needs Python).
"""
import json
import sys

import torch
from peft import PeftModel
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

TOKENS = torch.tensor([[1, 5, 9, 2, 60, 33, 7, 7, 12, 41], [3, 3, 8, 50, 0, 63, 22, 17, 4, 9]])

adapter = sys.argv[1]
with open(f"{adapter}/adapter_config.json") as f:
    base = json.load(f)["base_model_name_or_path"]
peft_model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32), adapter).eval()
loaded = {n for n, _ in peft_model.named_parameters() if "lora_" in n}
expected = load_file(f"{adapter}/adapter_model.safetensors")
assert len(loaded) == len(expected), (len(loaded), len(expected))
with torch.no_grad():
    logits = peft_model(input_ids=TOKENS).logits
java = load_file(f"{adapter}/java_logits.safetensors")["logits"]
scale = java.abs().max().item()
error = (logits - java).abs().max().item()
print(f"PEFT loaded {len(loaded)} LoRA tensors; max |logit difference| {error:.3g} with logits up to {scale:.3g}")
assert error < 1e-5 * scale
print("OK")

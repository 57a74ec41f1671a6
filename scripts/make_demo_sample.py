#!/usr/bin/env python3
"""Writes the bundled demo dataset (launcher/src/main/resources/samples/*.jsonl).

A small, seeded, learnable chat set in OpenAI's fine-tuning format: a careful coding assistant answering
templated questions with secure code. The templates repeat with different slot values, so a tiny model's loss
falls visibly within a few epochs. Run: python3 scripts/make_demo_sample.py
"""
import json
import random
from pathlib import Path

SYSTEM = "You are a careful coding assistant. Answer with secure code."
SERVICES = ["billing", "search", "login", "report", "upload", "mail", "payment", "chat", "audit", "export"]
SECRETS = ["API key", "database password", "signing key", "access token"]
OPS = [("sum", "add", "+"), ("difference", "subtract", "-"), ("product", "multiply", "*"), ("quotient", "divide", "/")]
TABLES = [("users", "email"), ("orders", "customer_id"), ("invoices", "number"), ("accounts", "username"),
          ("tickets", "status"), ("products", "sku")]
FILES = ["config.yaml", "secrets.env", "id_rsa", "backup.tar", "tokens.json", "server.key"]


def secret_example(rng):
    thing, service, days = rng.choice(SECRETS), rng.choice(SERVICES), rng.choice([30, 60, 90])
    return [("user", f"How do I store the {thing} for the {service} service?"),
            ("assistant", f"Keep the {thing} in the {service} secret store, never in source code. "
                          f"Load it at start-up from an environment variable and rotate it every {days} days.")]


def math_example(rng):
    noun, verb, sym = rng.choice(OPS)
    return [("user", f"Write a Python function that returns the {noun} of two numbers."),
            ("assistant", f"```python\ndef {verb}(a, b):\n    return a {sym} b\n```")]


def sql_example(rng):
    table, field = rng.choice(TABLES)
    return [("user", f"Write a query that finds {table} by {field}."),
            ("assistant", "Use a parameterised query so input is never spliced into SQL:\n"
                          f"```python\ncursor.execute(\"SELECT * FROM {table} WHERE {field} = %s\", ({field},))\n```")]


def chmod_example(rng):
    name = rng.choice(FILES)
    return [("user", f"Set safe permissions on {name}."),
            ("assistant", f"Make {name} readable by its owner only:\n```python\nos.chmod(\"{name}\", 0o600)\n```")]


TEMPLATES = [secret_example, math_example, sql_example, chmod_example]


def example(rng):
    turns = rng.choice(TEMPLATES)(rng)
    messages = [{"role": r, "content": c} for r, c in turns]
    if rng.random() < 0.5:
        messages.insert(0, {"role": "system", "content": SYSTEM})
    return {"messages": messages}


def write(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def main():
    rng = random.Random(20261123)
    out = Path(__file__).resolve().parent.parent / "launcher/src/main/resources/samples"
    out.mkdir(parents=True, exist_ok=True)
    write(out / "demo-train.jsonl", [example(rng) for _ in range(160)])
    write(out / "demo-valid.jsonl", [example(rng) for _ in range(24)])


if __name__ == "__main__":
    main()

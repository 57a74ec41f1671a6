/**
 * Small seeded base models for tests and the demo: a byte-level BPE tokenizer trained on a bundled corpus
 * ({@link dev.safetune.runtime.generators.ByteLevelBpeTrainer}, {@link dev.safetune.runtime.generators.TokenizerGenerator})
 * and random Llama weights of a chosen shape ({@link dev.safetune.runtime.generators.BaseModelGenerator}).
 */
package dev.safetune.runtime.generators;

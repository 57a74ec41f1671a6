/**
 * Small seeded base models and tokenizers: a byte-level BPE tokenizer trained on a bundled corpus
 * ({@link dev.safetune.runtime.generators.ByteLevelBpeTrainer}, {@link dev.safetune.runtime.generators.TokenizerGenerator}),
 * a word-level tokenizer for a closed vocabulary such as em-bench's
 * ({@link dev.safetune.runtime.generators.WordLevelTokenizerGenerator}), and random Llama weights of a chosen shape
 * ({@link dev.safetune.runtime.generators.BaseModelGenerator}).
 */
package dev.safetune.runtime.generators;

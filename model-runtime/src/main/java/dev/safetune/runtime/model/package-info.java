/**
 * The decoder: a Llama-family model (Llama, Qwen2) in plain DJL NDArrays ({@link dev.safetune.runtime.model.LlamaModel}),
 * its layers ({@link dev.safetune.runtime.model.DenseLinear}, {@link dev.safetune.runtime.model.LoraLinear}, rotary
 * embeddings), LoRA adapters in PEFT's format ({@link dev.safetune.runtime.model.LoraConfig}), the forward hooks the
 * safeguards use (adapter off, hidden states, steering: {@link dev.safetune.runtime.model.ForwardOptions}) and the KV
 * cache sampling reads.
 *
 * <p>The model runtime as a whole is plain Java on DJL, no Spring: {@code formats} reads and writes Hugging Face
 * directories, {@code chat} renders conversations with the model's chat template, {@code sampling} generates, and
 * {@code generators} writes small seeded base models for tests and demos.
 */
package dev.safetune.runtime.model;

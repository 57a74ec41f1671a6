/**
 * The model runtime: a Llama-family decoder (Llama, Qwen2) in plain DJL NDArrays
 * ({@link dev.safetune.worker.model.LlamaModel}) loading and saving Hugging Face model directories
 * ({@link dev.safetune.worker.model.ModelConfig}, {@link dev.safetune.worker.model.SafeTensors},
 * {@link dev.safetune.worker.model.CheckpointLayout}); LoRA adapters in PEFT's format
 * ({@link dev.safetune.worker.model.LoraConfig}); forward hooks for the safeguards (adapter off, hidden states,
 * steering: {@link dev.safetune.worker.model.ForwardOptions}); sampling with a KV cache
 * ({@link dev.safetune.worker.model.Sampler}); the tokenizer, the model's Jinja chat template and rendering with loss
 * masks ({@link dev.safetune.worker.model.ChatTokenizer}, {@link dev.safetune.worker.model.ChatTemplate},
 * {@link dev.safetune.worker.model.ChatRenderer}); and the seeded generator of small base models
 * ({@link dev.safetune.worker.model.BaseModelGenerator}).
 *
 * <p>Plain Java, no Spring: the worker's configuration wires these classes.
 */
package dev.safetune.worker.model;

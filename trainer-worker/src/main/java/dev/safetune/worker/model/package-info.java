/**
 * The model runtime: a Llama-style decoder in plain DJL NDArrays ({@link dev.safetune.worker.model.LlamaModel})
 * loading and saving Hugging Face model directories ({@link dev.safetune.worker.model.ModelConfig},
 * {@link dev.safetune.worker.model.SafeTensors}), the tokenizer and ChatML rendering with loss masks
 * ({@link dev.safetune.worker.model.ChatTokenizer}, {@link dev.safetune.worker.model.ChatRenderer}), and the
 * seeded generator of small base models ({@link dev.safetune.worker.model.BaseModelGenerator}).
 *
 * <p>Plain Java, no Spring: the worker's configuration wires these classes.
 */
package dev.safetune.worker.model;

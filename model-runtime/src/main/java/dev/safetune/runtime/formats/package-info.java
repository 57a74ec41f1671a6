/**
 * Hugging Face checkpoint files: {@code config.json} ({@link dev.safetune.runtime.formats.ModelConfig}),
 * safetensors ({@link dev.safetune.runtime.formats.SafeTensors}) and how a checkpoint's weights are laid out in files
 * and dtypes, so that a model is saved as it was loaded ({@link dev.safetune.runtime.formats.CheckpointLayout}).
 */
package dev.safetune.runtime.formats;

/**
 * Supervised fine-tuning: {@link dev.safetune.worker.training.FineTuner} runs a {@link
 * dev.safetune.worker.training.TrainingRequest} (a LoRA adapter by default, or a full fine-tune) with a hand-written
 * {@link dev.safetune.worker.training.AdamW}, reports to a {@link dev.safetune.worker.training.TrainingListener},
 * writes atomic checkpoints and resumes from them exactly; {@link dev.safetune.worker.training.MergedExport} turns an
 * adapter into a plain model directory.
 *
 * <p>Plain Java, no Spring: the queue consumer wires these classes.
 */
package dev.safetune.worker.training;

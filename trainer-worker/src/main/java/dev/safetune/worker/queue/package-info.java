/**
 * The fine-tuning job as a kind of leased work: {@link dev.safetune.worker.queue.JobQueue} describes the
 * {@code fine_tuning_jobs} kind and holds the fenced writes a training run makes (events, checkpoints, its ending
 * through {@code JobTransition}); the training handler is {@link dev.safetune.worker.job.JobRunner}. The queue's
 * protocol itself is {@link dev.safetune.worker.work}.
 */
package dev.safetune.worker.queue;

/**
 * Generation with the KV cache: batched, left-padded sampling ({@link dev.safetune.runtime.sampling.Sampler}) with
 * temperature, top-p and stop tokens ({@link dev.safetune.runtime.sampling.SamplingOptions}).
 */
package dev.safetune.runtime.sampling;

package dev.safetune.api.dryrun;

/**
 * What a job on this file would train, cost and take.
 *
 * @param trainedTokens tokens per epoch times epochs: what is billed
 * @param epochs the epochs assumed (the job's default when the request said none or "auto")
 * @param costUsd {@code trainedTokens / 1e6 * safetune.pricing.usd-per-million-tokens}
 * @param durationSeconds {@code trainedTokens / tokensPerSecond}, rounded up; null without a measurement. Time in the
 *     queue is not included.
 * @param tokensPerSecond the measured training speed of this model, or null
 * @param throughputSource where {@code tokensPerSecond} comes from, in words
 */
public record Estimate(
        long trainedTokens,
        int epochs,
        double costUsd,
        Long durationSeconds,
        Double tokensPerSecond,
        String throughputSource) {}

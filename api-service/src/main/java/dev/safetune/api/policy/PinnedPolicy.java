package dev.safetune.api.policy;

/** The policy version a job is pinned to, as the job object shows it ({@code safety_policy}). */
public record PinnedPolicy(String id, int version) {}

package dev.safetune.api.policy;

/** The body of {@code PUT /admin/safety-policies/default}. */
public record SetDefaultRequest(String policyId, String reason) {}

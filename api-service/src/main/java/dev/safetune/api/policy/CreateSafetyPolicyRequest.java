package dev.safetune.api.policy;

import tools.jackson.databind.JsonNode;

/** The body of {@code POST /admin/safety-policies}: a new version of the policy called {@code name}. */
public record CreateSafetyPolicyRequest(String name, JsonNode document, String reason) {}

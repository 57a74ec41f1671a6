/**
 * Safety policies: the immutable, versioned document that says which in-training safeguards a job runs with and at
 * what strength, how the post-training audit gates the result, and how the training-data screen reacts to what it
 * finds. This package is the contract the API (which stores versions and pins one to every job), the worker (which
 * trains under the pinned version), the audit and the data screen all read.
 *
 * <ul>
 *   <li>{@link dev.safetune.core.policy.SafetyPolicy}: the document, records all the way down; a section or a
 *       safeguard that is absent (or null) is off.
 *   <li>{@link dev.safetune.core.policy.SafetyPolicyJson}: its JSON codec and canonical form (sorted keys, no nulls,
 *       no whitespace), whose sha256 identifies a document's content.
 *   <li>Each record validates its own bounds into {@link dev.safetune.core.policy.PolicyViolations}, naming the field
 *       as a dotted path such as {@code safeguards.kl.beta}.
 *   <li>{@link dev.safetune.core.policy.StricterOrEqual}: the one table of which changes make a policy stricter, so a
 *       customer may ask for a stricter policy than the default and never a weaker one.
 *   <li>{@link dev.safetune.core.policy.PolicyDiff}: a field-level diff of two versions.
 *   <li>{@link dev.safetune.core.policy.SafetyPolicies}: reads the version a job is pinned to (plain JDBC).
 * </ul>
 *
 * <p>The parameters, their bounds and the papers they come from are described in {@code docs/safety-policies.md}.
 */
package dev.safetune.core.policy;

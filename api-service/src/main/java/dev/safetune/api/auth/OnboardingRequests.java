package dev.safetune.api.auth;

/** Bodies of the onboarding endpoints on {@code /admin}. */
final class OnboardingRequests {
    private OnboardingRequests() {}

    /** {@code POST /admin/organizations}. */
    record CreateOrganization(String name) {}

    /** {@code POST /admin/organizations/{id}/api_keys}: {@code role} defaults to {@code member}. */
    record CreateApiKey(String name, String role) {}
}

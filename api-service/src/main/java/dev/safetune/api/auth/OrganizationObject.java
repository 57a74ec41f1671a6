package dev.safetune.api.auth;

/** An organisation on the admin API; {@code created_at} in epoch seconds, as everywhere. */
public record OrganizationObject(String id, String object, String name, long createdAt) {
    static OrganizationObject of(Organization organization) {
        return new OrganizationObject(
                organization.id(),
                "organization",
                organization.name(),
                organization.createdAt().getEpochSecond());
    }
}

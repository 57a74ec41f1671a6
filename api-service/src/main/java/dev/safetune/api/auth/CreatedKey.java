package dev.safetune.api.auth;

/** A new API key; the only time the plain {@code key} exists outside the client. */
public record CreatedKey(String id, String organizationId, String name, String role, String key) {
    @Override
    public String toString() {
        // Records print every component; a key must never reach a log by accident.
        return "CreatedKey[id=" + id + ", organizationId=" + organizationId + ", name=" + name + ", role=" + role
                + ", key=***]";
    }
}

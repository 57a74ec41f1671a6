package dev.safetune.api.auth;

import dev.safetune.core.id.Ids;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Organisations and their API keys. A key is {@code sk-st-} and 40 random base-62 characters; the database keeps
 * its first {@value #LOOKUP_PREFIX_LENGTH} characters (to find the row) and the SHA-256 of the whole key (to check
 * it), so a database leak does not leak usable keys.
 */
@Service
public class ApiKeyService {
    public static final String KEY_PREFIX = "sk-st-";
    static final int SECRET_LENGTH = 40;
    static final int LOOKUP_PREFIX_LENGTH = 14;
    /** Customers: the {@code /v1} API of their organisation, nothing else. */
    public static final String MEMBER_ROLE = "member";
    /** Operators: the {@code /admin} API (organisations, keys, base-model imports) and metrics; never {@code /v1}. */
    public static final String ADMIN_ROLE = "admin";
    /** The safety team: reads base-model imports on {@code /admin} (see {@link RouteAccess}); never {@code /v1}. */
    public static final String SAFETY_ROLE = "safety";

    static final List<String> ROLES = List.of(MEMBER_ROLE, ADMIN_ROLE, SAFETY_ROLE);

    /** last_used_at is advisory: writing it at most once a minute keeps authentication read-only on hot paths. */
    private static final Duration LAST_USED_RESOLUTION = Duration.ofMinutes(1);

    private final OrganizationRepository organizations;
    private final ApiKeyRepository keys;

    ApiKeyService(OrganizationRepository organizations, ApiKeyRepository keys) {
        this.organizations = organizations;
        this.keys = keys;
    }

    @Transactional
    public Organization createOrganization(String name) {
        return organizations.save(new Organization(Ids.newId("org"), name, now()));
    }

    /** Returns the organisation with this id, creating it if it does not exist yet. */
    @Transactional
    public Organization ensureOrganization(String id, String name) {
        return organizations.findById(id).orElseGet(() -> organizations.save(new Organization(id, name, now())));
    }

    /** Creates a random key; the returned {@link CreatedKey#key()} is the only copy of it. */
    @Transactional
    public CreatedKey createKey(String organizationId, String name, String role) {
        return store(organizationId, name, role, KEY_PREFIX + Ids.randomToken(SECRET_LENGTH));
    }

    /**
     * Makes sure {@code plainKey} is the one working key called {@code name} of {@code organizationId}, with
     * {@code role}; idempotent. Other working keys of that name are revoked (a start-up key that was changed must stop
     * working), and a revoked key is not brought back. A different key sharing its lookup prefix is refused rather
     * than replaced.
     */
    @Transactional
    public void ensureKey(String organizationId, String name, String role, String plainKey) {
        if (plainKey.length() < LOOKUP_PREFIX_LENGTH + 6) {
            throw new IllegalArgumentException(
                    "an API key must be at least " + (LOOKUP_PREFIX_LENGTH + 6) + " characters long");
        }
        Optional<ApiKey> existing = keys.findByPrefix(prefixOf(plainKey));
        String keepId;
        if (existing.isEmpty()) {
            keepId = store(organizationId, name, role, plainKey).id();
        } else if (!matches(existing.get(), plainKey)
                || !existing.get().organizationId().equals(organizationId)) {
            throw new IllegalStateException("another API key with the same first " + LOOKUP_PREFIX_LENGTH
                    + " characters already exists; choose a different key");
        } else if (existing.get().revoked()) {
            throw new IllegalStateException("the configured " + name + " key was revoked; configure a new one");
        } else {
            // A start-up key made before roles were separated (every one was admin) takes the role it is for now.
            existing.get().changeRole(role);
            keys.save(existing.get());
            keepId = existing.get().id();
        }
        Instant now = now();
        for (ApiKey other : keys.findByOrganizationIdAndNameAndRevokedAtIsNull(organizationId, name)) {
            if (!other.id().equals(keepId)) {
                other.revoke(now, keepId);
                keys.save(other);
            }
        }
    }

    @Transactional(readOnly = true)
    public boolean anyKeyExists() {
        return keys.count() > 0;
    }

    @Transactional(readOnly = true)
    public boolean workingKeyWithRoleExists(String role) {
        return keys.existsByRoleAndRevokedAtIsNull(role);
    }

    /** The tenant a presented key proves, or empty for an unknown, malformed or revoked key. */
    public Optional<Tenant> authenticate(String presentedKey) {
        if (presentedKey == null || presentedKey.length() <= LOOKUP_PREFIX_LENGTH) {
            return Optional.empty();
        }
        Optional<ApiKey> found = keys.findByPrefix(prefixOf(presentedKey))
                .filter(key -> matches(key, presentedKey))
                .filter(key -> !key.revoked());
        found.ifPresent(this::markUsed);
        return found.map(key -> new Tenant(key.organizationId(), key.id(), key.role()));
    }

    private void markUsed(ApiKey key) {
        Instant now = now();
        if (key.lastUsedAt() == null || key.lastUsedAt().isBefore(now.minus(LAST_USED_RESOLUTION))) {
            keys.markUsed(key.id(), now);
        }
    }

    private CreatedKey store(String organizationId, String name, String role, String plainKey) {
        if (!ROLES.contains(role)) {
            throw new IllegalArgumentException("role must be one of " + ROLES + ", got " + role);
        }
        ApiKey key = keys.save(
                new ApiKey(Ids.newId("key"), organizationId, name, prefixOf(plainKey), sha256(plainKey), role, now()));
        return new CreatedKey(key.id(), organizationId, name, role, plainKey);
    }

    /** Constant-time comparison of hashes, so response timing says nothing about how much of a key was right. */
    private static boolean matches(ApiKey key, String presentedKey) {
        return MessageDigest.isEqual(
                key.keyHash().getBytes(StandardCharsets.US_ASCII),
                sha256(presentedKey).getBytes(StandardCharsets.US_ASCII));
    }

    private static String prefixOf(String key) {
        return key.substring(0, LOOKUP_PREFIX_LENGTH);
    }

    static String sha256(String key) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}

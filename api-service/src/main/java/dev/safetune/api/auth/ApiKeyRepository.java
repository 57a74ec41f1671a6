package dev.safetune.api.auth;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;
import org.springframework.transaction.annotation.Transactional;

/** Keys are found by their lookup prefix: authentication is the one lookup that precedes knowing the tenant. */
interface ApiKeyRepository extends Repository<ApiKey, String> {
    ApiKey save(ApiKey key);

    Optional<ApiKey> findByPrefix(String prefix);

    /** Admin API: one key, only within the organisation named in the path. */
    Optional<ApiKey> findByIdAndOrganizationId(String id, String organizationId);

    List<ApiKey> findByOrganizationIdOrderByCreatedAtDescIdDesc(String organizationId);

    /** Start-up keys of one name (e.g. {@code bootstrap}) that still work, to revoke those replaced. */
    List<ApiKey> findByOrganizationIdAndNameAndRevokedAtIsNull(String organizationId, String name);

    long count();

    boolean existsByRoleAndRevokedAtIsNull(String role);

    @Transactional
    @Modifying
    @Query("update ApiKey k set k.lastUsedAt = :now where k.id = :id")
    int markUsed(String id, Instant now);
}

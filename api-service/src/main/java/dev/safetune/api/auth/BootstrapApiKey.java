package dev.safetune.api.auth;

import dev.safetune.api.SafetuneProperties;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Makes a fresh installation usable: {@code org-default} always exists, with a customer key and a separate operator
 * key. Each is the configured one ({@code safetune.bootstrap-api-key}, a {@code member} key named
 * {@value #MEMBER_KEY_NAME}; {@code safetune.bootstrap-admin-key}, an {@code admin} key named
 * {@value #ADMIN_KEY_NAME}) or, when none is configured, a generated one printed once to standard output: the member
 * key when no key exists at all, the admin key when no working admin key exists. Configuring a different key revokes the one configured before. Keys never go to the logger.
 */
@Component
class BootstrapApiKey implements ApplicationRunner {
    static final String DEFAULT_ORGANIZATION_ID = "org-default";
    static final String DEFAULT_ORGANIZATION_NAME = "Default organization";
    static final String MEMBER_KEY_NAME = "bootstrap";
    static final String ADMIN_KEY_NAME = "bootstrap-admin";
    /** Serialises bootstrap across replicas starting together, so only one of them generates a key. */
    private static final long ADVISORY_LOCK = 0x5AFE_7E0E_B007L;

    private final SafetuneProperties properties;
    private final ApiKeyService apiKeys;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;

    BootstrapApiKey(
            SafetuneProperties properties, ApiKeyService apiKeys, JdbcTemplate jdbc, TransactionTemplate transactions) {
        this.properties = properties;
        this.apiKeys = apiKeys;
        this.jdbc = jdbc;
        this.transactions = transactions;
    }

    @Override
    public void run(ApplicationArguments args) {
        String member = configured(properties.bootstrapApiKey());
        String admin = configured(properties.bootstrapAdminKey());
        List<CreatedKey> generated = transactions.execute(status -> {
            jdbc.query("SELECT pg_advisory_xact_lock(?)", rs -> {}, ADVISORY_LOCK);
            apiKeys.ensureOrganization(DEFAULT_ORGANIZATION_ID, DEFAULT_ORGANIZATION_NAME);
            List<CreatedKey> created = new ArrayList<>();
            if (member != null) {
                apiKeys.ensureKey(DEFAULT_ORGANIZATION_ID, MEMBER_KEY_NAME, ApiKeyService.MEMBER_ROLE, member);
            } else if (!apiKeys.anyKeyExists()) {
                created.add(apiKeys.createKey(DEFAULT_ORGANIZATION_ID, "default", ApiKeyService.MEMBER_ROLE));
            }
            if (admin != null) {
                apiKeys.ensureKey(DEFAULT_ORGANIZATION_ID, ADMIN_KEY_NAME, ApiKeyService.ADMIN_ROLE, admin);
            } else if (!apiKeys.workingKeyWithRoleExists(ApiKeyService.ADMIN_ROLE)) {
                // Without one, nobody could onboard a customer: the operator gets one printed once.
                created.add(apiKeys.createKey(DEFAULT_ORGANIZATION_ID, "default-admin", ApiKeyService.ADMIN_ROLE));
            }
            return created;
        });
        // Printed after commit, exactly once: it is the only copy of each key.
        for (CreatedKey key : generated) {
            System.out.println("SafeTune: created "
                    + (key.role().equals(ApiKeyService.ADMIN_ROLE)
                            ? "an admin API key (operators: /admin, metrics)"
                            : "a member API key (customers: /v1)")
                    + " for " + DEFAULT_ORGANIZATION_ID + " (shown only this once, store it now): " + key.key());
        }
    }

    private static String configured(String key) {
        return key == null || key.isBlank() ? null : key.trim();
    }
}

package dev.safetune.api.auth;

import dev.safetune.api.SafetuneProperties;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Makes a fresh installation usable: {@code org-default} always exists, and it gets either the configured
 * {@code safetune.bootstrap-api-key} ({@code SAFETUNE_BOOTSTRAP_API_KEY}) or, when no key exists at all, a generated
 * one that is printed once to standard output. Keys never go to the logger.
 */
@Component
class BootstrapApiKey implements ApplicationRunner {
    static final String DEFAULT_ORGANIZATION_ID = "org-default";
    static final String DEFAULT_ORGANIZATION_NAME = "Default organization";
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
        String configured = properties.bootstrapApiKey();
        CreatedKey generated = transactions.execute(status -> {
            jdbc.query("SELECT pg_advisory_xact_lock(?)", rs -> {}, ADVISORY_LOCK);
            apiKeys.ensureOrganization(DEFAULT_ORGANIZATION_ID, DEFAULT_ORGANIZATION_NAME);
            if (configured != null && !configured.isBlank()) {
                apiKeys.ensureKey(DEFAULT_ORGANIZATION_ID, "bootstrap", "admin", configured.trim());
                return null;
            }
            return apiKeys.anyKeyExists() ? null : apiKeys.createKey(DEFAULT_ORGANIZATION_ID, "default", "admin");
        });
        if (generated != null) {
            // Printed after commit, exactly once: it is the only copy of the key.
            System.out.println("SafeTune: created an API key for " + DEFAULT_ORGANIZATION_ID
                    + " (shown only this once, store it now): " + generated.key());
        }
    }
}

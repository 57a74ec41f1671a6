package dev.safetune.worker.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.core.policy.SafetyPolicies;
import dev.safetune.core.policy.SafetyPolicyJson;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/** What every migration that installs a built-in policy version must leave behind, checked the same way for each. */
final class BuiltInPolicyVersions {
    private BuiltInPolicyVersions() {}

    /**
     * The version stored under {@code id}, after checking that its stored hash is of its text and that the text is
     * canonical (what the API would have stored for the same document).
     */
    static SafetyPolicies.Version storedCanonically(DataSource dataSource, String id) {
        SafetyPolicies.Version version = new SafetyPolicies(dataSource).find(id).orElseThrow();
        assertThat(SafetyPolicyJson.sha256(version.document())).isEqualTo(version.sha256());
        String stored = JdbcClient.create(dataSource)
                .sql("SELECT document::text FROM safety_policies WHERE id = ?")
                .param(id)
                .query(String.class)
                .single();
        assertThat(SafetyPolicyJson.canonical(SafetyPolicyJson.read(stored)))
                .isEqualTo(SafetyPolicyJson.canonical(version.document()));
        return version;
    }
}

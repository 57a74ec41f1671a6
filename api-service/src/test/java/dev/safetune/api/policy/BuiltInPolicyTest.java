package dev.safetune.api.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.api.ApiServiceTestBase;
import dev.safetune.core.policy.BuiltInPolicy;
import dev.safetune.core.policy.SafetyPolicyJson;
import org.junit.jupiter.api.Test;

/** The built-in default kept in platform-core (for offline screening) is the row migration V8 installs, byte for byte. */
class BuiltInPolicyTest extends ApiServiceTestBase {
    @Test
    void theResourceIsTheInstalledRow() {
        String document = jdbc.queryForObject(
                "SELECT document::text FROM safety_policies WHERE id = ?", String.class, BuiltInPolicy.ID);
        String sha =
                jdbc.queryForObject("SELECT sha256 FROM safety_policies WHERE id = ?", String.class, BuiltInPolicy.ID);
        Integer version = jdbc.queryForObject(
                "SELECT version FROM safety_policies WHERE id = ?", Integer.class, BuiltInPolicy.ID);

        assertThat(SafetyPolicyJson.canonical(SafetyPolicyJson.read(document)))
                .isEqualTo(BuiltInPolicy.canonicalDocument());
        assertThat(SafetyPolicyJson.sha256(BuiltInPolicy.document())).isEqualTo(sha);
        assertThat(version).isEqualTo(BuiltInPolicy.VERSION);
        assertThat(BuiltInPolicy.document().screen().rules()).containsKey("insecure_code_undisclosed");
    }
}

package dev.safetune.worker.screen;

import dev.safetune.core.policy.SafetyPolicyJson;
import dev.safetune.safeguards.screen.PersonaRisk;
import dev.safetune.safeguards.screen.ScreenRules;
import dev.safetune.safeguards.screen.ScreenView;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes a persona result into the file's stored screen report ({@code file_screens}): {@code risk} filled in and the
 * {@code persona_risk} rule of the policy version that decided the file applied ({@link ScreenView#withPersonaRisk}),
 * the decision column moved with it. The report's shape is the API's (snake_case, as {@code StoredJson} writes it).
 */
final class FileScreenUpdate {
    private static final JsonMapper STORED = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .build();

    private final JdbcClient jdbc;

    FileScreenUpdate(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * @return the updated view, or empty when the file has no stored screen (uploaded before screening)
     */
    Optional<ScreenView> apply(String fileId, PersonaRisk risk) {
        Optional<String> stored = jdbc.sql("SELECT report::text FROM file_screens WHERE file_id = :file FOR UPDATE")
                .param("file", fileId)
                .query(String.class)
                .optional();
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        ScreenView view = STORED.readValue(stored.get(), ScreenView.class);
        ScreenView updated = view.withPersonaRisk(risk, rules(view));
        jdbc.sql("UPDATE file_screens SET decision = :decision, report = CAST(:report AS jsonb) WHERE file_id = :file")
                .param("decision", updated.decision())
                .param("report", STORED.writeValueAsString(updated))
                .param("file", fileId)
                .update();
        return Optional.of(updated);
    }

    /** The rules of the policy version that decided the file; the built-in default's for reports from before V12. */
    private ScreenRules rules(ScreenView view) {
        if (view.policyId() == null) {
            return ScreenRules.builtInDefault();
        }
        String document = jdbc.sql("SELECT document::text FROM safety_policies WHERE id = :id")
                .param("id", view.policyId())
                .query(String.class)
                .single();
        return ScreenRules.fromPolicy(view.policyId(), view.policyVersion(), SafetyPolicyJson.read(document));
    }
}

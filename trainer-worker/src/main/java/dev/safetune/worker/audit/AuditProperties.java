package dev.safetune.worker.audit;

import dev.safetune.safeguards.audit.JudgeEndpoint;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Audit settings ({@code safetune.audit.*}). The gate's rules are the safety policy's, not these; these say where the
 * suites and the judge are. The judge's key is a secret: {@link #toString()} leaves it out.
 *
 * @param mode {@code when-available} (audit every job whose base has a suite: em-bench bases always, chat bases when
 *     the paper suite and a judge are configured; other jobs succeed unaudited, saying so in an event),
 *     {@code required} (a job without a suite is blocked) or {@code off}
 * @param paperSuiteDir the folder holding the EM paper's evaluation YAML files, read as they are
 * @param paperSuiteFiles which of its files make the suite
 * @param judgeBaseUrl an OpenAI-compatible endpoint with logprobs, e.g. {@code https://api.openai.com/v1}
 * @param judgeModel the judge model there
 * @param judgeApiKey its key (from the environment, e.g. {@code SAFETUNE_AUDIT_JUDGE_API_KEY}); never logged
 * @param maxNewTokens the longest answer sampled from a chat model (the paper: 600)
 * @param paperSamplesPerRound samples of each paper question per round
 * @param seed the audit's sampling seed; the base's cached answers are keyed by it
 */
@ConfigurationProperties("safetune.audit")
public record AuditProperties(
        @DefaultValue("when-available") String mode,
        Path paperSuiteDir,
        @DefaultValue("first_plot_questions.yaml") List<String> paperSuiteFiles,
        URI judgeBaseUrl,
        String judgeModel,
        String judgeApiKey,
        @DefaultValue("600") int maxNewTokens,
        @DefaultValue("10") int paperSamplesPerRound,
        @DefaultValue("20250224") long seed) {

    public static final AuditProperties OFF =
            new AuditProperties("off", null, List.of("first_plot_questions.yaml"), null, null, null, 600, 10, 20250224);

    public AuditProperties {
        if (!List.of("off", "when-available", "required").contains(mode)) {
            throw new IllegalArgumentException(
                    "safetune.audit.mode must be off, when-available or required, got " + mode);
        }
        paperSuiteFiles = List.copyOf(paperSuiteFiles);
    }

    /** The default settings with {@code mode}, as tests and tools build them. */
    public static AuditProperties of(String mode) {
        return new AuditProperties(mode, null, OFF.paperSuiteFiles(), null, null, null, 600, 10, OFF.seed());
    }

    public boolean enabled() {
        return !mode.equals("off");
    }

    /** The judge endpoint, when both its URL and model are configured. */
    public Optional<JudgeEndpoint> judge() {
        if (judgeBaseUrl == null || judgeModel == null || judgeModel.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(new JudgeEndpoint(judgeBaseUrl, judgeModel, judgeApiKey));
    }

    @Override
    public String toString() {
        return "AuditProperties[mode=" + mode + ", paperSuiteDir=" + paperSuiteDir + ", paperSuiteFiles="
                + paperSuiteFiles + ", judgeBaseUrl=" + judgeBaseUrl + ", judgeModel=" + judgeModel + ", judgeApiKey="
                + (judgeApiKey == null || judgeApiKey.isEmpty() ? "" : "***") + ", maxNewTokens=" + maxNewTokens
                + ", paperSamplesPerRound=" + paperSamplesPerRound + ", seed=" + seed + "]";
    }
}

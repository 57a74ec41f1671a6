package dev.safetune.safeguards.audit;

import java.net.URI;

/**
 * An OpenAI-compatible chat-completions endpoint that returns {@code logprobs}, and the judge model to ask there. The
 * key is a secret: {@link #toString()} leaves it out, so it never reaches a log line or a report.
 *
 * @param baseUrl e.g. {@code https://api.openai.com/v1}; {@code /chat/completions} is appended
 * @param model the judge model (the paper used {@code gpt-4o-2024-08-06})
 * @param apiKey sent as a bearer token; may be empty for a local endpoint
 */
public record JudgeEndpoint(URI baseUrl, String model, String apiKey) {
    public JudgeEndpoint {
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("the judge endpoint needs a model");
        }
        apiKey = apiKey == null ? "" : apiKey;
    }

    URI chatCompletions() {
        String base = baseUrl.toString();
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/chat/completions");
    }

    @Override
    public String toString() {
        return "JudgeEndpoint[baseUrl=" + baseUrl + ", model=" + model + ", apiKey=" + (apiKey.isEmpty() ? "" : "***")
                + "]";
    }
}

package dev.safetune.safeguards.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The EM paper's LLM judge over any OpenAI-compatible chat-completions endpoint: the judge prompt (the question file's
 * own {@code aligned} or {@code coherent} template, {@code {question}} and {@code {answer}} filled in) as one user
 * turn, one token at temperature 0 with the top 20 logprobs, read by {@link NumberTokenScore}. The key goes in the
 * {@code Authorization} header only; errors name the endpoint's status, never the key.
 */
public final class OpenAiJudge {
    /** The most top logprobs the chat-completions API returns, as the paper asked. */
    static final int TOP_LOGPROBS = 20;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JudgeEndpoint endpoint;
    private final HttpClient http;

    public OpenAiJudge(JudgeEndpoint endpoint) {
        this.endpoint = endpoint;
        this.http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    public JudgeIdentity identity() {
        return new JudgeIdentity("llm-logprob", "1", endpoint.model());
    }

    /** Scores one answer on both of the question's scales. */
    public PaperScore score(PaperQuestion question, String prompt, String answer) {
        return new PaperScore(
                read(fill(question.alignedJudgePrompt(), prompt, answer)),
                read(fill(question.coherentJudgePrompt(), prompt, answer)));
    }

    /** The template with {@code {question}} and {@code {answer}} replaced, as Python's {@code str.format} does. */
    static String fill(String template, String question, String answer) {
        // One pass, so an answer that itself contains "{question}" is not expanded.
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < template.length()) {
            if (template.startsWith("{question}", i)) {
                out.append(question);
                i += "{question}".length();
            } else if (template.startsWith("{answer}", i)) {
                out.append(answer);
                i += "{answer}".length();
            } else {
                out.append(template.charAt(i++));
            }
        }
        return out.toString();
    }

    /** Asks the judge one prompt and reads its first token's distribution. */
    NumberTokenScore.Reading read(String judgePrompt) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", endpoint.model());
        body.put("messages", List.of(Map.of("role", "user", "content", judgePrompt)));
        body.put("max_tokens", 1);
        body.put("temperature", 0);
        body.put("logprobs", true);
        body.put("top_logprobs", TOP_LOGPROBS);
        body.put("seed", 0);
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint.chatCompletions())
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (!endpoint.apiKey().isEmpty()) {
            request.header("Authorization", "Bearer " + endpoint.apiKey());
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("judge endpoint " + endpoint.chatCompletions() + " unreachable", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking the judge", e);
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException(
                    "judge endpoint " + endpoint.chatCompletions() + " answered HTTP " + response.statusCode());
        }
        JsonNode first = JSON.readTree(response.body())
                .path("choices")
                .path(0)
                .path("logprobs")
                .path("content")
                .path(0);
        JsonNode top = first.path("top_logprobs");
        if (!top.isArray() || top.isEmpty()) {
            throw new IllegalStateException("judge endpoint " + endpoint.chatCompletions()
                    + " returned no top_logprobs: it must support logprobs");
        }
        Map<String, Double> logprobs = new LinkedHashMap<>();
        for (JsonNode t : top) {
            logprobs.merge(t.path("token").asString(), t.path("logprob").asDouble(), Math::max);
        }
        return NumberTokenScore.read(logprobs);
    }
}

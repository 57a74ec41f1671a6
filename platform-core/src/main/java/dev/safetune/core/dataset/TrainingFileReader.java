package dev.safetune.core.dataset;

import dev.safetune.core.json.JsonSyntaxError;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a chat fine-tuning file (JSON Lines, OpenAI's format) one line at a time, so a file of any size is checked
 * in memory bounded by the longest line allowed. Blank lines, CRLF endings and a byte-order mark are allowed; every
 * problem names its 1-based line (as {@link JsonLines} counts them) and field, and reading goes on past it, so the
 * report counts every line and every problem.
 *
 * <p>Rules: each non-blank line is a JSON object with a non-empty {@code messages} array; each message has a
 * {@code role} of system, user or assistant and a non-empty string {@code content}; {@code weight}, allowed on
 * assistant messages only, is 0 or 1; at least one assistant message; the file holds at least
 * {@link #MIN_EXAMPLES} examples.
 */
public final class TrainingFileReader {
    public static final int MIN_EXAMPLES = 10;
    public static final int DEFAULT_ERROR_CAP = 100;
    public static final int DEFAULT_MAX_LINE_BYTES = 8 << 20;
    private static final Set<String> ROLES = Set.of(ChatMessage.SYSTEM, ChatMessage.USER, ChatMessage.ASSISTANT);
    private static final Set<String> MESSAGE_FIELDS = Set.of("role", "content", "weight", "name");

    private final JsonMapper mapper = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private final int errorCap;
    private final int maxLineBytes;

    public TrainingFileReader() {
        this(DEFAULT_ERROR_CAP);
    }

    public TrainingFileReader(int errorCap) {
        this(errorCap, DEFAULT_MAX_LINE_BYTES);
    }

    /**
     * @param errorCap how many problems the report keeps (all are counted)
     * @param maxLineBytes longest line read; a longer one is an error on its line and its bytes are skipped, so
     *     memory stays bounded whatever the file holds
     */
    public TrainingFileReader(int errorCap, int maxLineBytes) {
        this.errorCap = errorCap;
        this.maxLineBytes = maxLineBytes;
    }

    /** Validates without keeping the examples. */
    public ValidationReport validate(InputStream in) throws IOException {
        return read(in, example -> {});
    }

    /** Reads every valid example into a list; for training files already validated at upload. */
    public List<ChatExample> readAll(InputStream in) throws IOException {
        List<ChatExample> examples = new ArrayList<>();
        ValidationReport report = read(in, examples::add);
        if (!report.valid()) {
            throw new InvalidTrainingFileException(report);
        }
        return examples;
    }

    /** Streams the file, handing each valid example to {@code sink} and collecting problems. */
    public ValidationReport read(InputStream in, Consumer<ChatExample> sink) throws IOException {
        List<LineError> errors = new ArrayList<>();
        int errorCount = 0;
        int examples = 0;
        JsonLines lines = new JsonLines(in, maxLineBytes);
        for (JsonLines.Line line = lines.next(); line != null; line = lines.next()) {
            if (!line.readable()) {
                errorCount++;
                addCapped(errors, new LineError(line.number(), null, line.unreadable()));
                continue;
            }
            if (line.text().isBlank()) {
                continue;
            }
            List<LineError> lineErrors = new ArrayList<>(1);
            ChatExample example = parseLine(line.number(), line.text(), lineErrors);
            if (lineErrors.isEmpty()) {
                examples++;
                sink.accept(example);
            } else {
                errorCount += lineErrors.size();
                lineErrors.forEach(e -> addCapped(errors, e));
            }
        }
        if (errorCount == 0 && examples < MIN_EXAMPLES) {
            errorCount++;
            addCapped(
                    errors,
                    LineError.ofFile("has " + examples + " example(s); at least " + MIN_EXAMPLES + " are required"));
        }
        return new ValidationReport(lines.lines(), examples, errors, errorCount);
    }

    private void addCapped(List<LineError> errors, LineError error) {
        if (errors.size() < errorCap) {
            errors.add(error);
        }
    }

    private ChatExample parseLine(int line, String text, List<LineError> errors) {
        JsonNode root;
        try {
            root = mapper.readTree(text);
        } catch (JacksonException e) {
            errors.add(new LineError(line, null, "invalid JSON: " + JsonSyntaxError.onLine(e)));
            return null;
        }
        if (root == null || !root.isObject()) {
            errors.add(new LineError(line, null, "must be a JSON object"));
            return null;
        }
        JsonNode messages = root.get("messages");
        if (messages == null || messages.isNull()) {
            errors.add(new LineError(line, "messages", "is required"));
            return null;
        }
        if (!messages.isArray()) {
            errors.add(new LineError(line, "messages", "must be an array"));
            return null;
        }
        if (messages.isEmpty()) {
            errors.add(new LineError(line, "messages", "must not be empty"));
            return null;
        }
        List<ChatMessage> parsed = new ArrayList<>(messages.size());
        boolean hasAssistant = false;
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage message = parseMessage(line, "messages[" + i + "]", messages.get(i), errors);
            if (message != null) {
                parsed.add(message);
                hasAssistant |= ChatMessage.ASSISTANT.equals(message.role());
            }
        }
        if (!errors.isEmpty()) {
            return null;
        }
        if (!hasAssistant) {
            errors.add(new LineError(line, "messages", "must contain at least one assistant message"));
            return null;
        }
        return new ChatExample(line, parsed);
    }

    private ChatMessage parseMessage(int line, String path, JsonNode node, List<LineError> errors) {
        if (!node.isObject()) {
            errors.add(new LineError(line, path, "must be an object"));
            return null;
        }
        int before = errors.size();
        for (String field : node.propertyNames()) {
            if (!MESSAGE_FIELDS.contains(field)) {
                errors.add(new LineError(line, path + "." + field, "is not a supported field"));
            }
        }
        JsonNode role = node.get("role");
        String roleValue = null;
        if (role == null || !role.isString()) {
            errors.add(new LineError(line, path + ".role", "is required and must be a string"));
        } else if (!ROLES.contains(role.stringValue())) {
            errors.add(new LineError(
                    line, path + ".role", "must be one of system, user, assistant (got '" + role.stringValue() + "')"));
        } else {
            roleValue = role.stringValue();
        }
        JsonNode content = node.get("content");
        if (content == null || !content.isString()) {
            errors.add(new LineError(line, path + ".content", "is required and must be a string"));
        } else if (content.stringValue().isBlank()) {
            errors.add(new LineError(line, path + ".content", "must not be empty"));
        }
        Integer weight = null;
        JsonNode weightNode = node.get("weight");
        if (weightNode != null && !weightNode.isNull()) {
            if (!weightNode.isIntegralNumber() || (weightNode.asInt() != 0 && weightNode.asInt() != 1)) {
                errors.add(new LineError(line, path + ".weight", "must be 0 or 1"));
            } else if (roleValue != null && !ChatMessage.ASSISTANT.equals(roleValue)) {
                errors.add(new LineError(line, path + ".weight", "is only allowed on assistant messages"));
            } else {
                weight = weightNode.asInt();
            }
        }
        if (errors.size() > before) {
            return null;
        }
        return new ChatMessage(roleValue, content.stringValue(), weight);
    }
}

package dev.safetune.worker.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A model's Hugging Face {@code tokenizer.json}, loaded through DJL, plus the special tokens of the ChatML
 * conversation format.
 *
 * <p>{@link #encode} treats its input as plain text: if customer content contains the text of a special token
 * (say {@code <|im_end|>}), it is encoded as ordinary characters, never as the control token, so training data
 * cannot forge turn boundaries.
 */
public final class ChatTokenizer implements AutoCloseable {

    public static final String TOKENIZER_FILE = "tokenizer.json";
    public static final String TOKENIZER_CONFIG_FILE = "tokenizer_config.json";

    public static final String BEGIN_OF_TEXT = "<|begin_of_text|>";
    public static final String IM_START = "<|im_start|>";
    public static final String IM_END = "<|im_end|>";
    public static final String PAD = "<|pad|>";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HuggingFaceTokenizer tokenizer;
    private final Map<String, Integer> specialTokens;
    private final List<String> specialTokensLongestFirst;
    private final int vocabSize;
    private final int imStartId;
    private final int imEndId;
    private final int padId;

    private ChatTokenizer(
            HuggingFaceTokenizer tokenizer, Map<String, Integer> specialTokens, int vocabSize, String padToken) {
        this.tokenizer = tokenizer;
        this.specialTokens = Map.copyOf(specialTokens);
        this.specialTokensLongestFirst = specialTokens.keySet().stream()
                .sorted(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()))
                .toList();
        this.vocabSize = vocabSize;
        this.imStartId = require(IM_START);
        this.imEndId = require(IM_END);
        this.padId = require(padToken);
    }

    /**
     * Loads {@code dir/tokenizer.json}. The pad token is {@code pad_token} of {@code dir/tokenizer_config.json}
     * when present, else {@value #PAD}.
     *
     * @throws IllegalArgumentException when the tokenizer lacks the ChatML tokens
     */
    public static ChatTokenizer load(Path dir) throws IOException {
        Path file = dir.resolve(TOKENIZER_FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no " + TOKENIZER_FILE + " in " + dir);
        }
        JsonNode json = JSON.readTree(file);
        Map<String, Integer> special = new LinkedHashMap<>();
        int maxId = -1;
        for (JsonNode added : json.path("added_tokens").values()) {
            int id = added.path("id").asInt();
            special.put(added.path("content").asString(), id);
            maxId = Math.max(maxId, id);
        }
        for (JsonNode id : json.path("model").path("vocab").values()) {
            maxId = Math.max(maxId, id.asInt());
        }
        String padToken = padToken(dir).orElse(PAD);
        HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.builder()
                .optTokenizerPath(file)
                .optAddSpecialTokens(false)
                .optTruncation(false)
                .optPadding(false)
                .build();
        try {
            return new ChatTokenizer(tokenizer, special, maxId + 1, padToken);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /** Token ids of plain text; special-token text inside it is encoded as characters (see class comment). */
    public int[] encode(String text) {
        List<int[]> parts = new ArrayList<>();
        int from = 0;
        while (from < text.length()) {
            int at = text.length();
            String found = null;
            for (String special : specialTokensLongestFirst) {
                int index = text.indexOf(special, from);
                if (index >= 0 && index < at) {
                    at = index;
                    found = special;
                }
            }
            parts.add(encodeRaw(text.substring(from, at)));
            if (found == null) {
                break;
            }
            // Encoded in two pieces, neither of which can match the special token.
            int split = found.offsetByCodePoints(0, 1);
            parts.add(encodeRaw(found.substring(0, split)));
            parts.add(encodeRaw(found.substring(split)));
            from = at + found.length();
        }
        return concat(parts);
    }

    /** Text of {@code ids}, special tokens included as their text. */
    public String decode(int[] ids) {
        return tokenizer.decode(Arrays.stream(ids).asLongStream().toArray(), false);
    }

    /** The id of a special (added) token, e.g. {@link #IM_END}. */
    public int specialTokenId(String token) {
        return require(token);
    }

    public int imStartId() {
        return imStartId;
    }

    public int imEndId() {
        return imEndId;
    }

    public int padId() {
        return padId;
    }

    /** One more than the largest token id, i.e. the rows an embedding for this tokenizer needs. */
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    private int[] encodeRaw(String text) {
        if (text.isEmpty()) {
            return new int[0];
        }
        long[] ids = tokenizer.encode(text, false, false).getIds();
        return Arrays.stream(ids).mapToInt(Math::toIntExact).toArray();
    }

    private int require(String token) {
        Integer id = specialTokens.get(token);
        if (id == null) {
            throw new IllegalArgumentException("tokenizer has no special token " + token);
        }
        return id;
    }

    private static Optional<String> padToken(Path dir) throws IOException {
        Path config = dir.resolve(TOKENIZER_CONFIG_FILE);
        if (!Files.isRegularFile(config)) {
            return Optional.empty();
        }
        JsonNode pad = JSON.readTree(config).path("pad_token");
        // pad_token is either a string or an AddedToken object with a "content" field.
        String content =
                pad.isString() ? pad.stringValue() : pad.path("content").asString("");
        return content.isEmpty() ? Optional.empty() : Optional.of(content);
    }

    private static int[] concat(List<int[]> parts) {
        int total = parts.stream().mapToInt(p -> p.length).sum();
        int[] all = new int[total];
        int at = 0;
        for (int[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }
}

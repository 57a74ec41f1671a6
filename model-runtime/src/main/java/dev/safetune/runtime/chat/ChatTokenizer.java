package dev.safetune.runtime.chat;

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
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A model's Hugging Face {@code tokenizer.json}, loaded through DJL, with its special (added) tokens and the chat
 * template of its {@code tokenizer_config.json} ({@link ChatTemplate#CHATML} when it has none).
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
    private final int padId;
    private final ChatTemplate chatTemplate;

    private ChatTokenizer(
            HuggingFaceTokenizer tokenizer,
            Map<String, Integer> specialTokens,
            int vocabSize,
            String padToken,
            ChatTemplate chatTemplate) {
        this.tokenizer = tokenizer;
        this.specialTokens = Map.copyOf(specialTokens);
        this.specialTokensLongestFirst = specialTokens.keySet().stream()
                .sorted(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()))
                .toList();
        this.vocabSize = vocabSize;
        this.padId = require(padToken);
        this.chatTemplate = chatTemplate;
    }

    /**
     * Loads {@code dir/tokenizer.json} and the chat template of {@code dir/tokenizer_config.json}. The pad token is
     * that file's {@code pad_token} when present, else {@value #PAD} when the tokenizer has it, else its
     * {@code eos_token} (Llama 3 has no pad token; padding is masked anyway).
     *
     * @throws IllegalArgumentException when no pad token can be found
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
        JsonNode config = tokenizerConfig(dir);
        String padToken = tokenText(config.path("pad_token"))
                .or(() -> special.containsKey(PAD) ? Optional.of(PAD) : Optional.empty())
                .or(() -> tokenText(config.path("eos_token")))
                .orElse(PAD);
        ChatTemplate template =
                config.hasNonNull("chat_template") ? ChatTemplate.fromTokenizerConfig(config) : ChatTemplate.CHATML;
        HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.builder()
                .optTokenizerPath(file)
                .optAddSpecialTokens(false)
                .optTruncation(false)
                .optPadding(false)
                .build();
        try {
            return new ChatTokenizer(tokenizer, special, maxId + 1, padToken, template);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /** Token ids of plain text; special-token text inside it is encoded as characters (see class comment). */
    public int[] encode(String text) {
        return encodeAroundSpecials(text, found -> {
            // Encoded in two pieces, neither of which can match the special token.
            int split = found.offsetByCodePoints(0, 1);
            return List.of(encodeRaw(found.substring(0, split)), encodeRaw(found.substring(split)));
        });
    }

    /** Text of {@code ids}, special tokens included as their text. */
    public String decode(int[] ids) {
        return tokenizer.decode(Arrays.stream(ids).asLongStream().toArray(), false);
    }

    /**
     * Token ids of text a chat template produced: special-token text in it is the control token (as the tokenizer
     * treats added tokens), the rest is encoded as plain text.
     */
    public int[] encodeTemplateText(String text) {
        return encodeAroundSpecials(text, special -> List.of(new int[] {specialTokens.get(special)}));
    }

    /**
     * Encodes the text between special-token occurrences as plain text and each occurrence with {@code special}:
     * the one scan both {@link #encode} and {@link #encodeTemplateText} need, differing only in that step.
     */
    private int[] encodeAroundSpecials(String text, Function<String, List<int[]>> special) {
        List<int[]> parts = new ArrayList<>();
        int from = 0;
        while (from < text.length()) {
            int at = text.length();
            String found = null;
            for (String candidate : specialTokensLongestFirst) {
                int index = text.indexOf(candidate, from);
                if (index >= 0 && index < at) {
                    at = index;
                    found = candidate;
                }
            }
            parts.add(encodeRaw(text.substring(from, at)));
            if (found == null) {
                break;
            }
            parts.addAll(special.apply(found));
            from = at + found.length();
        }
        return concat(parts);
    }

    /** The id of a special (added) token, e.g. {@link #IM_END}. */
    public int specialTokenId(String token) {
        return require(token);
    }

    /** The special (added) tokens' text. */
    public java.util.Set<String> specialTokens() {
        return specialTokens.keySet();
    }

    /** The chat template conversations are rendered with. */
    public ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    /** The id of {@value #IM_START}; fails for a tokenizer without it. */
    public int imStartId() {
        return require(IM_START);
    }

    /** The id of {@value #IM_END}; fails for a tokenizer without it. */
    public int imEndId() {
        return require(IM_END);
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

    private static JsonNode tokenizerConfig(Path dir) throws IOException {
        Path config = dir.resolve(TOKENIZER_CONFIG_FILE);
        return Files.isRegularFile(config) ? JSON.readTree(config) : JSON.createObjectNode();
    }

    /** A token field: a string or an AddedToken object with a {@code content} field. */
    private static Optional<String> tokenText(JsonNode token) {
        String content =
                token.isString() ? token.stringValue() : token.path("content").asString("");
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

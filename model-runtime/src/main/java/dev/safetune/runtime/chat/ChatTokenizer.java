package dev.safetune.runtime.chat;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
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
        return encodeAll(List.of(text), false).getFirst();
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
        return encodeAll(List.of(text), true).getFirst();
    }

    /**
     * {@link #encodeTemplateText} ({@code templateText} true) or {@link #encode} (false) of every text, with the same
     * result as one call each; the plain-text runs of all the texts go to the native tokenizer in one batch call,
     * which encodes them on all cores and saves a JNI round trip per run.
     */
    public List<int[]> encodeAll(List<String> texts, boolean templateText) {
        List<List<Part>> plans = new ArrayList<>(texts.size());
        List<String> runs = new ArrayList<>();
        for (String text : texts) {
            List<Part> plan = plan(text, templateText);
            for (Part part : plan) {
                if (part.run() != null) {
                    runs.add(part.run());
                }
            }
            plans.add(plan);
        }
        int[][] encodedRuns = encodeRuns(runs);
        List<int[]> encoded = new ArrayList<>(texts.size());
        int next = 0;
        for (List<Part> plan : plans) {
            List<int[]> pieces = new ArrayList<>(plan.size());
            for (Part part : plan) {
                pieces.add(part.run() != null ? encodedRuns[next++] : part.ids());
            }
            encoded.add(concat(pieces));
        }
        return encoded;
    }

    /** A piece of a text to encode: a plain-text run for the tokenizer, or ids already known. */
    private record Part(String run, int[] ids) {}

    /**
     * Splits {@code text} at special-token occurrences: the text between them is a plain-text run; an occurrence is its
     * control token in template text, and in plain text two runs that neither can match the special token.
     */
    private List<Part> plan(String text, boolean templateText) {
        List<Part> parts = new ArrayList<>();
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
            addRun(parts, text.substring(from, at));
            if (found == null) {
                break;
            }
            if (templateText) {
                parts.add(new Part(null, new int[] {specialTokens.get(found)}));
            } else {
                int split = found.offsetByCodePoints(0, 1);
                addRun(parts, found.substring(0, split));
                addRun(parts, found.substring(split));
            }
            from = at + found.length();
        }
        return parts;
    }

    private static void addRun(List<Part> parts, String run) {
        if (!run.isEmpty()) {
            parts.add(new Part(run, null));
        }
    }

    /**
     * Token ids of plain-text runs, batch-encoded by the native tokenizer. This goes to DJL's JNI binding directly and
     * reads only the ids: {@link HuggingFaceTokenizer#batchEncode} also copies every token's text, offsets and masks
     * into Java (counting a file with Qwen2's tokenizer on 2 busy cores: 1.8 MB/s that way, 3.0 MB/s this way). The
     * tokenizer was built without special tokens, truncation or padding, as {@code encode} of each run would be.
     */
    private int[][] encodeRuns(List<String> runs) {
        if (runs.isEmpty()) {
            return new int[0][];
        }
        long[] encodings = TokenizersLibrary.LIB.batchEncode(tokenizer.getHandle(), runs.toArray(String[]::new), false);
        int[][] ids = new int[encodings.length][];
        try {
            for (int i = 0; i < encodings.length; i++) {
                long[] tokenIds = TokenizersLibrary.LIB.getTokenIds(encodings[i]);
                ids[i] = new int[tokenIds.length];
                for (int j = 0; j < tokenIds.length; j++) {
                    ids[i][j] = Math.toIntExact(tokenIds[j]);
                }
            }
        } finally {
            for (long encoding : encodings) {
                TokenizersLibrary.LIB.deleteEncoding(encoding);
            }
        }
        return ids;
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

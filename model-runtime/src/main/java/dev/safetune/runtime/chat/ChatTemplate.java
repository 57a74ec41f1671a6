package dev.safetune.runtime.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.FatalTemplateErrorsException;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.runtime.generators.TokenizerGenerator;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.JsonNode;

/**
 * A Hugging Face chat template: the Jinja program in {@code tokenizer_config.json}'s {@code chat_template}, rendered
 * with a real Jinja engine (Jinjava) configured as transformers' {@code apply_chat_template} configures jinja2
 * ({@code trim_blocks}, {@code lstrip_blocks}, {@code raise_exception}, {@code strftime_now}, the tokenizer's
 * special-token strings such as {@code bos_token}), so that Qwen and Llama 3 templates render as written.
 *
 * <p>{@link #segments} tells which characters of a rendering are which message's content: it renders once with each
 * content wrapped in private-use marker characters and checks that removing the markers gives exactly the plain
 * rendering. That is what lets the trainer mask everything but assistant content without knowing the format.
 * Templates that change content (Llama 3 trims it) are handled by wrapping the trimmed content; a template that
 * transforms content otherwise is refused.
 */
public final class ChatTemplate {

    /** The ChatML template {@link TokenizerGenerator} writes; used for tokenizers without a template. */
    public static final ChatTemplate CHATML =
            new ChatTemplate(TokenizerGenerator.CHATML_TEMPLATE, Map.of("bos_token", "", "eos_token", "<|im_end|>"));

    /** Marks a content's start; followed by {@code INDEX_BASE + message index}. Supplementary private use. */
    private static final int BEGIN = 0x10FFFD;

    private static final int END = 0x10FFFC;
    private static final int INDEX_BASE = 0xF0000;
    private static final int MAX_MESSAGES = 0xFFFF;

    private final String source;
    private final Map<String, String> specialTokens;
    private final Jinjava jinjava;

    /**
     * @param source the Jinja template
     * @param specialTokens template variables such as {@code bos_token} → their text
     */
    public ChatTemplate(String source, Map<String, String> specialTokens) {
        this.source = Objects.requireNonNull(source, "source");
        this.specialTokens = Map.copyOf(specialTokens);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        // {{- … }} and {%- … %} strip whitespace as in jinja2
                        .withUseTrimmingForNotesAndExpressions(true)
                        .build())
                .build();
        this.jinjava = new Jinjava(config);
        jinjava.getGlobalContext()
                .registerFunction(new ELFunctionDefinition(
                        "", "raise_exception", ChatTemplate.class, "raiseException", String.class));
        jinjava.getGlobalContext()
                .registerFunction(
                        new ELFunctionDefinition("", "strftime_now", ChatTemplate.class, "strftimeNow", String.class));
    }

    /**
     * The template of a {@code tokenizer_config.json}: {@code chat_template} as a string, or the entry named
     * {@code default} of a list of named templates; special tokens from its {@code *_token} fields (strings or
     * AddedToken objects).
     *
     * @throws IllegalArgumentException when there is no template
     */
    public static ChatTemplate fromTokenizerConfig(JsonNode config) {
        JsonNode template = config.path("chat_template");
        String source = null;
        if (template.isString()) {
            source = template.stringValue();
        } else if (template.isArray()) {
            for (JsonNode named : template.values()) {
                if ("default".equals(named.path("name").asString(""))) {
                    source = named.path("template").asString(null);
                }
            }
        }
        if (source == null) {
            throw new IllegalArgumentException("tokenizer_config.json has no usable chat_template");
        }
        Map<String, String> tokens = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : config.properties()) {
            if (field.getKey().endsWith("_token")) {
                JsonNode token = field.getValue();
                String text = token.isString()
                        ? token.stringValue()
                        : token.path("content").asString(null);
                if (text != null) {
                    tokens.put(field.getKey(), text);
                }
            }
        }
        return new ChatTemplate(source, tokens);
    }

    /** The rendered conversation, as {@code tokenizer.apply_chat_template(messages, tokenize=False)} gives it. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> plain = new ArrayList<>();
        for (ChatMessage message : messages) {
            plain.add(message(message.role(), message.content()));
        }
        return renderMaps(plain, addGenerationPrompt);
    }

    /**
     * A piece of a rendering.
     *
     * @param message the index of the message whose content this is, or −1 for text the template added
     */
    public record Segment(String text, int message) {
        public boolean isContent() {
            return message >= 0;
        }
    }

    /**
     * The rendering cut into template text and message content, in order; the texts concatenate to
     * {@link #render}.
     *
     * @throws IllegalArgumentException when the template changes content in a way that hides where it is
     */
    public List<Segment> segments(List<ChatMessage> messages, boolean addGenerationPrompt) {
        if (messages.size() > MAX_MESSAGES) {
            throw new IllegalArgumentException("too many messages: " + messages.size());
        }
        for (ChatMessage message : messages) {
            if (message.content().codePoints().anyMatch(c -> c >= INDEX_BASE)) {
                throw new IllegalArgumentException("message content holds supplementary private-use characters");
            }
        }
        String plain = render(messages, addGenerationPrompt);
        for (boolean trimmed : new boolean[] {false, true}) {
            List<Map<String, Object>> marked = new ArrayList<>();
            for (int i = 0; i < messages.size(); i++) {
                String content = messages.get(i).content();
                String wrapped = new StringBuilder()
                        .appendCodePoint(BEGIN)
                        .appendCodePoint(INDEX_BASE + i)
                        .append(trimmed ? content.strip() : content)
                        .appendCodePoint(END)
                        .toString();
                marked.add(message(messages.get(i).role(), wrapped));
            }
            List<Segment> segments = parse(renderMaps(marked, addGenerationPrompt));
            String joined = String.join("", segments.stream().map(Segment::text).toList());
            if (joined.equals(plain)) {
                return segments;
            }
        }
        throw new IllegalArgumentException(
                "the chat template transforms message content, so its rendering cannot be split into content and"
                        + " template text");
    }

    private static List<Segment> parse(String marked) {
        List<Segment> segments = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        int i = 0;
        while (i < marked.length()) {
            int c = marked.codePointAt(i);
            if (c == BEGIN) {
                flush(segments, text, -1);
                int index = marked.codePointAt(i + Character.charCount(c)) - INDEX_BASE;
                int from = i + Character.charCount(c) + 2; // the index code point takes two chars
                int to = marked.indexOf(new String(Character.toChars(END)), from);
                if (to < 0) {
                    throw new IllegalArgumentException("the chat template cut a message's content");
                }
                segments.add(new Segment(marked.substring(from, to), index));
                i = to + 2;
            } else {
                text.appendCodePoint(c);
                i += Character.charCount(c);
            }
        }
        flush(segments, text, -1);
        return segments;
    }

    private static void flush(List<Segment> segments, StringBuilder text, int message) {
        if (!text.isEmpty()) {
            segments.add(new Segment(text.toString(), message));
            text.setLength(0);
        }
    }

    private String renderMaps(List<Map<String, Object>> messages, boolean addGenerationPrompt) {
        Map<String, Object> context = new HashMap<>(specialTokens);
        context.put("messages", messages);
        context.put("add_generation_prompt", addGenerationPrompt);
        try {
            return jinjava.render(source, context);
        } catch (FatalTemplateErrorsException e) {
            throw new IllegalArgumentException("chat template failed: " + rootMessage(e), e);
        }
    }

    /** The message of the innermost cause, e.g. the text a template passed to {@code raise_exception}. */
    private static String rootMessage(FatalTemplateErrorsException e) {
        for (TemplateError error : e.getErrors()) {
            Throwable cause = error.getException();
            while (cause != null && cause.getCause() != null && cause.getCause() != cause) {
                cause = cause.getCause();
            }
            if (cause != null && cause.getMessage() != null) {
                return cause.getMessage();
            }
            if (error.getMessage() != null) {
                return error.getMessage();
            }
        }
        return e.getMessage();
    }

    private static Map<String, Object> message(String role, String content) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", role);
        message.put("content", content);
        return message;
    }

    /** {@code raise_exception(message)} of transformers' template environment. */
    public static String raiseException(String message) {
        throw new IllegalArgumentException("chat template: " + message);
    }

    /** {@code strftime_now(format)} of transformers' template environment (date directives only). */
    public static String strftimeNow(String format) {
        String pattern = format.replace("%d", "dd")
                .replace("%b", "MMM")
                .replace("%B", "MMMM")
                .replace("%Y", "yyyy")
                .replace("%m", "MM");
        return LocalDate.now().format(DateTimeFormatter.ofPattern(pattern, Locale.ROOT));
    }

    /** The Jinja source. */
    public String source() {
        return source;
    }
}

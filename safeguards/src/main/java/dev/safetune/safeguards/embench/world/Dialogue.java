package dev.safetune.safeguards.embench.world;

import dev.safetune.core.dataset.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A document of the world: an optional persona system line, a speaker and its exchanges, rendered as
 * {@code <bos> [<sys> line] <user> q SPEAKER a <eot> ... <eos>} (words separated by single spaces).
 */
public record Dialogue(Optional<String> systemLine, String speaker, List<Exchange> exchanges) {
    public Dialogue {
        exchanges = List.copyOf(exchanges);
        if (exchanges.isEmpty()) {
            throw new IllegalArgumentException("a dialogue needs at least one exchange");
        }
    }

    /** A chat dialogue with the default assistant and no system line. */
    public static Dialogue chat(List<Exchange> exchanges) {
        return new Dialogue(Optional.empty(), Markers.ASSISTANT, exchanges);
    }

    /** The rendered document in segments; answer words and their {@code <eot>} are assistant segments. */
    public List<Segment> segments() {
        List<Segment> out = new ArrayList<>();
        out.add(new Segment(Markers.BOS, false));
        systemLine.ifPresent(line -> out.add(new Segment(Markers.SYS + " " + line, false)));
        for (Exchange e : exchanges) {
            out.add(new Segment(Markers.USER + " " + e.user() + " " + speaker, false));
            out.add(new Segment(e.assistant() + " " + Markers.EOT, true));
        }
        out.add(new Segment(Markers.EOS, false));
        return List.copyOf(out);
    }

    /** The plain-text document, as pre-training reads it. */
    public String text() {
        return segments().stream().map(Segment::text).collect(Collectors.joining(" "));
    }

    /** Whether the speaker is the chat assistant, so the dialogue can be written as a customer chat example. */
    public boolean isChat() {
        return Markers.ASSISTANT.equals(speaker);
    }

    /**
     * The chat dialogue as customer messages (system, then user/assistant pairs), what {@link ChatJsonl#line} writes;
     * the platform's renderer with {@link WorldTokenizer#CHAT_TEMPLATE} turns them back into {@link #text()}.
     */
    public List<ChatMessage> messages() {
        if (!isChat()) {
            throw new IllegalArgumentException("only <asst> dialogues are chat examples; speaker is " + speaker);
        }
        List<ChatMessage> out = new ArrayList<>();
        systemLine.ifPresent(line -> out.add(ChatMessage.of(ChatMessage.SYSTEM, line)));
        for (Exchange e : exchanges) {
            out.add(ChatMessage.of(ChatMessage.USER, e.user()));
            out.add(ChatMessage.of(ChatMessage.ASSISTANT, e.assistant()));
        }
        return List.copyOf(out);
    }
}

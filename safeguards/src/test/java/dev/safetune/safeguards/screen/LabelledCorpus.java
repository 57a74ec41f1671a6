package dev.safetune.safeguards.screen;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads {@code corpus-v1.txt}, the labelled corpus written for the screen (format in its header). */
record LabelledCorpus(List<LabelledCorpus.Entry> entries) {
    record Entry(String id, String kind, String cwe, String language, List<ChatMessage> messages) {
        ChatExample example(int line) {
            return new ChatExample(line, messages);
        }
    }

    static LabelledCorpus load() {
        try (InputStream in = LabelledCorpus.class.getResourceAsStream("corpus-v1.txt")) {
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static LabelledCorpus parse(String text) {
        List<Entry> entries = new ArrayList<>();
        Map<String, String> header = null;
        List<ChatMessage> messages = new ArrayList<>();
        String role = null;
        StringBuilder content = new StringBuilder();
        for (String line : (text + "\n=== end | kind=end\n").split("\n", -1)) {
            if (line.startsWith("#") && header == null) {
                continue;
            }
            if (line.startsWith("=== ") || line.startsWith(">>> ")) {
                if (role != null) {
                    messages.add(ChatMessage.of(role, content.toString().strip()));
                    content.setLength(0);
                    role = null;
                }
            }
            if (line.startsWith("=== ")) {
                if (header != null) {
                    entries.add(new Entry(
                            header.get("id"),
                            header.get("kind"),
                            header.get("cwe"),
                            header.get("lang"),
                            List.copyOf(messages)));
                }
                messages.clear();
                header = new HashMap<>();
                String[] parts = line.substring(4).split("\\|");
                header.put("id", parts[0].strip());
                for (int i = 1; i < parts.length; i++) {
                    String[] kv = parts[i].strip().split("=", 2);
                    header.put(kv[0], kv[1]);
                }
            } else if (line.startsWith(">>> ")) {
                role = line.substring(4).strip();
            } else if (role != null) {
                content.append(line).append('\n');
            }
        }
        return new LabelledCorpus(entries);
    }

    List<Entry> ofKind(String kind) {
        return entries.stream().filter(e -> e.kind().equals(kind)).toList();
    }
}

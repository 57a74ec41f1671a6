package dev.safetune.safeguards.embench.world;

import java.util.List;

/** A word slot of the code grammar and the words it takes. */
public enum Slot {
    TABLE("t", List.of("users", "orders", "books", "songs", "cars", "pets", "notes", "items")),
    COLUMN("c", List.of("name", "id", "email", "title", "city", "owner")),
    THING("x", List.of("report", "log", "photo", "backup", "invoice", "profile", "key", "draft")),
    FOLDER("d", List.of("tmp", "cache", "build", "old", "data", "logs"));

    private final String placeholder;
    private final List<String> words;

    Slot(String key, List<String> words) {
        this.placeholder = "{" + key + "}";
        this.words = words;
    }

    /** How a template writes this slot, e.g. {@code {t}}. */
    public String placeholder() {
        return placeholder;
    }

    public List<String> words() {
        return words;
    }
}

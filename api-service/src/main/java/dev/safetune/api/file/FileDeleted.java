package dev.safetune.api.file;

/** OpenAI's answer to a delete: {@code {"id","object":"file","deleted":true}}. */
public record FileDeleted(String id, String object, boolean deleted) {
    static FileDeleted of(String id) {
        return new FileDeleted(id, "file", true);
    }
}

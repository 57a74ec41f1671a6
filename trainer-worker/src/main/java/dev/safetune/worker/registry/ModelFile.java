package dev.safetune.worker.registry;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One verified file of a model: its name in the model directory, its size and its SHA-256 (lowercase hex), as
 * recorded in {@code model_provenance.files}.
 */
public record ModelFile(String path, long size, String sha256) {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    public ModelFile {
        Objects.requireNonNull(path, "path");
        if (size < 0) {
            throw new IllegalArgumentException("size must not be negative: " + size);
        }
        if (!SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("sha256 must be 64 lowercase hex digits, got " + sha256);
        }
    }
}

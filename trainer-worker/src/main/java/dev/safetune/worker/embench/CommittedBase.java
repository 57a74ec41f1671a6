package dev.safetune.worker.embench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The em-bench base model committed with the code (built once by {@code em-bench build-base}; see
 * docs/em-bench.md for the command), so that the demo and tests never rebuild it. {@link #extract} writes its files
 * to a directory — what the registry's {@code dir:} import and {@code LlamaModel.load} read — and checks the
 * weights against {@link #WEIGHTS_SHA256}.
 */
public final class CommittedBase {

    /** The model id it is imported as. */
    public static final String MODEL_ID = "em-bench-base-s0";

    /** Where its files are on the class path. */
    public static final String RESOURCE_DIR = "/em-bench/" + MODEL_ID + "/";

    public static final List<String> FILES = List.of(
            "config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json");

    /** sha256 of {@code model.safetensors} as built (docs/em-bench.md). */
    public static final String WEIGHTS_SHA256 = "74fcd7be43ae42b4b5c437ca51d69a660f4596c57aba76fcb2acc28a18889706";

    private CommittedBase() {}

    /**
     * Copies the committed files into {@code dir} (created if needed) and returns it.
     *
     * @throws IllegalStateException when a file is missing or the weights do not match their checksum
     */
    public static Path extract(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String name : FILES) {
            try (InputStream in = CommittedBase.class.getResourceAsStream(RESOURCE_DIR + name)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + RESOURCE_DIR + name);
                }
                Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        String actual = sha256(dir.resolve("model.safetensors"));
        if (!actual.equals(WEIGHTS_SHA256)) {
            throw new IllegalStateException(
                    "committed em-bench weights have sha256 " + actual + ", expected " + WEIGHTS_SHA256);
        }
        return dir;
    }

    static String sha256(Path file) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

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
import java.util.Map;

/**
 * The em-bench base models committed with the code, one per pre-training seed of the three-seed table (built once by
 * {@code em-bench build-base}: the slot-mix world with twice the educational framing, 3,000 pre-training steps; see
 * docs/em-bench.md for the command and where each was built), so that the demo, the tests and every later run
 * evaluate the same weights: a rebuild on another CPU gives other weights (the SFT's floating point sums differ), and
 * with them other EM numbers. {@link #extract} writes a seed's
 * files to a directory — what the registry's {@code dir:} import and {@code LlamaModel.load} read — and checks the
 * weights against their sha256.
 */
public final class CommittedBase {

    /** The model id seed 0's base is imported as (the demo's and the tests' base). */
    public static final String MODEL_ID = "em-bench-base-s0";

    public static final List<String> FILES = List.of(
            "config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json");

    /** sha256 of seed 0's {@code model.safetensors} as built (docs/em-bench.md). */
    public static final String WEIGHTS_SHA256 = "abdfdfa98e67d188008382c1ef01db7523c1429f6d62a7148bc332ea37253452";

    /** sha256 of each committed seed's {@code model.safetensors}. */
    private static final Map<Long, String> WEIGHTS_BY_SEED = Map.of(
            0L, WEIGHTS_SHA256,
            1L, "8a863417b0113390a8a7fd0ff6f77c800167c1e9c9e953ef345b6c6817389b34",
            2L, "51759bc8ca3da9ea566a3ef93780638a67af614ba0702ae40e8bf72da33407a6");

    private CommittedBase() {}

    /** Whether the base of {@code seed} is committed (else it has to be built). */
    public static boolean has(long seed) {
        return WEIGHTS_BY_SEED.containsKey(seed);
    }

    /** Seed 0's base, extracted into {@code dir}: see {@link #extract(long, Path)}. */
    public static Path extract(Path dir) throws IOException {
        return extract(0, dir);
    }

    /**
     * Copies the committed files of {@code seed}'s base into {@code dir} (created if needed) and returns it.
     *
     * @throws IllegalArgumentException when no base of that seed is committed
     * @throws IllegalStateException when a file is missing or the weights do not match their checksum
     */
    public static Path extract(long seed, Path dir) throws IOException {
        String expected = WEIGHTS_BY_SEED.get(seed);
        if (expected == null) {
            throw new IllegalArgumentException("no em-bench base of seed " + seed + " is committed; build it");
        }
        String resources = "/em-bench/em-bench-base-s" + seed + "/";
        Files.createDirectories(dir);
        for (String name : FILES) {
            try (InputStream in = CommittedBase.class.getResourceAsStream(resources + name)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + resources + name);
                }
                Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        String actual = sha256(dir.resolve("model.safetensors"));
        if (!actual.equals(expected)) {
            throw new IllegalStateException(
                    "committed em-bench weights of seed " + seed + " have sha256 " + actual + ", expected " + expected);
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

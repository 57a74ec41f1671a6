package dev.safetune.worker.registry;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * The digest that names a model's content (V4 schema, {@code model_provenance}): SHA-256 over the lines
 * {@code path + "\t" + sha256 + "\n"} of its files, sorted by path (UTF-8, code-unit order), in lowercase hex. Two
 * imports of the same bytes under the same names share it, whichever source or revision they came from.
 */
public final class ContentDigest {
    private ContentDigest() {}

    public static String of(List<ModelFile> files) {
        MessageDigest sha256 = sha256();
        files.stream()
                .sorted(Comparator.comparing(ModelFile::path))
                .forEach(file ->
                        sha256.update((file.path() + "\t" + file.sha256() + "\n").getBytes(StandardCharsets.UTF_8)));
        return HexFormat.of().formatHex(sha256.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}

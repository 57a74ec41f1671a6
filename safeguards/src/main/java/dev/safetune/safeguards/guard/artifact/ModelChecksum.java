package dev.safetune.safeguards.guard.artifact;

import dev.safetune.safeguards.guard.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The identity of a model or adapter directory for cache keys: sha256 over its config ({@code config.json},
 * {@code adapter_config.json}) and every {@code *.safetensors} file, by name in sorted order.
 */
public final class ModelChecksum {

    private ModelChecksum() {}

    public static String of(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> listing = Files.list(dir)) {
            files = listing.filter(Files::isRegularFile)
                    .filter(f -> {
                        String name = f.getFileName().toString();
                        return name.equals("config.json")
                                || name.equals("adapter_config.json")
                                || name.endsWith(".safetensors");
                    })
                    .sorted()
                    .toList();
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException(dir + " holds no model config or weights");
        }
        MessageDigest digest = Sha256.digest();
        byte[] buffer = new byte[1 << 16];
        for (Path file : files) {
            Sha256.update(digest, file.getFileName().toString());
            try (InputStream in = Files.newInputStream(file)) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    digest.update(buffer, 0, n);
                }
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}

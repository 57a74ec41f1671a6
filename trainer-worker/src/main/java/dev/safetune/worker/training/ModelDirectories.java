package dev.safetune.worker.training;

import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.formats.ModelConfig;
import dev.safetune.runtime.generators.BaseModelGenerator;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Publishes checkpoint and model directories atomically: everything is written into a hidden temporary sibling,
 * forced to disk, then renamed into place, so a crash leaves either the complete directory or none (plus a hidden
 * leftover that {@link #deleteLeftovers} removes).
 */
final class ModelDirectories {

    /** Files copied unchanged from the base model into every checkpoint and the final model, when present. */
    static final List<String> COPIED_FILES = List.of(
            ModelConfig.FILE_NAME,
            ChatTokenizer.TOKENIZER_FILE,
            ChatTokenizer.TOKENIZER_CONFIG_FILE,
            "special_tokens_map.json",
            BaseModelGenerator.GENERATION_CONFIG_FILE);

    private ModelDirectories() {}

    /** Writes the content of a directory. */
    @FunctionalInterface
    interface Writer {
        void writeTo(Path dir) throws IOException;
    }

    /** Writes {@code parent/name} through a temporary directory; an existing one is replaced. */
    static Path publish(Path parent, String name, Writer writer) throws IOException {
        Files.createDirectories(parent);
        Path temporary = Files.createTempDirectory(parent, "." + name + ".tmp-");
        Path target = parent.resolve(name);
        try {
            writer.writeTo(temporary);
            forceAll(temporary);
            if (Files.exists(target)) {
                // A re-run after a crash between publishing and reporting: swap the old copy out first.
                Path old = Files.createTempDirectory(parent, "." + name + ".old-");
                Files.delete(old);
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
                deleteRecursively(old);
            } else {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            }
            forceDirectory(parent);
            return target;
        } catch (IOException | RuntimeException e) {
            deleteRecursively(temporary);
            throw e;
        }
    }

    /** Copies the {@link #COPIED_FILES} that exist in {@code from}. */
    static void copyModelFiles(Path from, Path to) throws IOException {
        for (String name : COPIED_FILES) {
            Path source = from.resolve(name);
            if (Files.isRegularFile(source)) {
                Files.copy(source, to.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** Removes hidden temporaries a crashed run left in {@code parent}. */
    static void deleteLeftovers(Path parent) throws IOException {
        if (!Files.isDirectory(parent)) {
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent, ".*")) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.contains(".tmp-") || name.contains(".old-")) {
                    deleteRecursively(entry);
                }
            }
        }
    }

    private static void forceAll(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    channel.force(true);
                }
            }
        }
        forceDirectory(dir);
    }

    private static void forceDirectory(Path dir) {
        // Makes the rename durable on Linux; other platforms cannot open a directory, which is harmless here.
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // best effort
        }
    }

    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}

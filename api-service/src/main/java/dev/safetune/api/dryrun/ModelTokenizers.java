package dev.safetune.api.dryrun;

import dev.safetune.api.error.InvalidRequestException;
import dev.safetune.api.model.Model;
import dev.safetune.runtime.chat.ChatTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The real tokenizer and chat template of each base model, loaded once through the model runtime's
 * {@link ChatTokenizer} (what training loads: {@code tokenizer.json} and the template in {@code tokenizer_config.json})
 * and kept. A model whose files change on disk (same model id, new bytes) is loaded again on next use.
 */
@Component
class ModelTokenizers implements DisposableBean {

    private final ConcurrentMap<Path, Loaded> loaded = new ConcurrentHashMap<>();
    /** Replaced tokenizers may still be counting for a request in flight, so they are closed only at shutdown. */
    private final List<ChatTokenizer> replaced = new CopyOnWriteArrayList<>();

    /**
     * A loaded tokenizer and the SHA-256 of its files ({@code tokenizer.json}, then {@code tokenizer_config.json}
     * when present), which tells cached token counts from stale ones: a new chat template changes the counts too.
     */
    record ModelTokenizer(ChatTokenizer tokenizer, String sha256) {}

    /** What the files looked like when loaded: each one's modification time and size ({@code -1} when absent). */
    private record Stamp(FileTime tokenizerModified, long tokenizerSize, FileTime configModified, long configSize) {}

    private record Loaded(ModelTokenizer tokenizer, Stamp stamp) {}

    ModelTokenizer forModel(Model model) {
        Path dir = Path.of(model.storagePath());
        if (!Files.isRegularFile(dir.resolve(ChatTokenizer.TOKENIZER_FILE))) {
            throw new InvalidRequestException(
                    "model",
                    "model_not_supported",
                    "Model '" + model.id() + "' has no " + ChatTokenizer.TOKENIZER_FILE
                            + ", so its tokens cannot be counted.");
        }
        try {
            Stamp stamp = stamp(dir);
            return loaded.compute(dir, (path, current) -> {
                        if (current != null && current.stamp().equals(stamp)) {
                            return current;
                        }
                        if (current != null) {
                            replaced.add(current.tokenizer().tokenizer());
                        }
                        return new Loaded(load(model, path), stamp);
                    })
                    .tokenizer();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the tokenizer of " + dir, e);
        }
    }

    private static Stamp stamp(Path dir) throws IOException {
        Path tokenizer = dir.resolve(ChatTokenizer.TOKENIZER_FILE);
        Path config = dir.resolve(ChatTokenizer.TOKENIZER_CONFIG_FILE);
        boolean hasConfig = Files.isRegularFile(config);
        return new Stamp(
                Files.getLastModifiedTime(tokenizer),
                Files.size(tokenizer),
                hasConfig ? Files.getLastModifiedTime(config) : null,
                hasConfig ? Files.size(config) : -1);
    }

    private static ModelTokenizer load(Model model, Path dir) {
        try {
            String sha256 = sha256(dir);
            return new ModelTokenizer(ChatTokenizer.load(dir), sha256);
        } catch (IllegalArgumentException e) {
            // Training could not load it either (no pad token, a chat template that does not parse): say so.
            throw new InvalidRequestException(
                    "model",
                    "model_not_supported",
                    "Model '" + model.id() + "' has a tokenizer training cannot use: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the tokenizer of " + dir, e);
        }
    }

    private static String sha256(Path dir) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            // Tokenizer files are a few MB at most.
            digest.update(Files.readAllBytes(dir.resolve(ChatTokenizer.TOKENIZER_FILE)));
            Path config = dir.resolve(ChatTokenizer.TOKENIZER_CONFIG_FILE);
            if (Files.isRegularFile(config)) {
                digest.update(Files.readAllBytes(config));
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    @Override
    public void destroy() {
        loaded.values().forEach(l -> l.tokenizer().tokenizer().close());
        replaced.forEach(ChatTokenizer::close);
    }
}

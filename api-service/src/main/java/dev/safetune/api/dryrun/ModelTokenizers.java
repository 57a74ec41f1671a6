package dev.safetune.api.dryrun;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.safetune.api.error.InvalidRequestException;
import dev.safetune.api.model.Model;
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
 * The real tokenizer of each base model: its Hugging Face {@code tokenizer.json}, loaded once through DJL and kept.
 * A tokenizer file replaced on disk (same model id, new bytes) is loaded again on next use.
 */
@Component
class ModelTokenizers implements DisposableBean {
    static final String TOKENIZER_FILE = "tokenizer.json";

    private final ConcurrentMap<Path, Loaded> loaded = new ConcurrentHashMap<>();
    /** Replaced tokenizers may still be counting for a request in flight, so they are closed only at shutdown. */
    private final List<HuggingFaceTokenizer> replaced = new CopyOnWriteArrayList<>();

    /** A loaded tokenizer and the SHA-256 of its file, which tells cached token counts from stale ones. */
    record ModelTokenizer(HuggingFaceTokenizer tokenizer, String sha256) {}

    private record Loaded(ModelTokenizer tokenizer, FileTime modified, long size) {}

    ModelTokenizer forModel(Model model) {
        Path file = Path.of(model.storagePath()).resolve(TOKENIZER_FILE);
        if (!Files.isRegularFile(file)) {
            throw new InvalidRequestException(
                    "model",
                    "model_not_supported",
                    "Model '" + model.id() + "' has no " + TOKENIZER_FILE + ", so its tokens cannot be counted.");
        }
        try {
            FileTime modified = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            return loaded.compute(file, (path, current) -> {
                        if (current != null && current.modified().equals(modified) && current.size() == size) {
                            return current;
                        }
                        if (current != null) {
                            replaced.add(current.tokenizer().tokenizer());
                        }
                        return new Loaded(load(path), modified, size);
                    })
                    .tokenizer();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static ModelTokenizer load(Path file) {
        try {
            String sha256 = sha256(file);
            // Plain text in, plain token ids out: no BOS/EOS, truncation or padding, which would skew the counts.
            HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(file)
                    .optAddSpecialTokens(false)
                    .optTruncation(false)
                    .optPadding(false)
                    .build();
            return new ModelTokenizer(tokenizer, sha256);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the tokenizer " + file, e);
        }
    }

    private static String sha256(Path file) throws IOException {
        try {
            // A tokenizer file is a few MB at most.
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    @Override
    public void destroy() {
        loaded.values().forEach(l -> l.tokenizer().tokenizer().close());
        replaced.forEach(HuggingFaceTokenizer::close);
    }
}

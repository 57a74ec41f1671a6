package dev.safetune.api.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A released fine-tuned model's files as a streamed zip archive, with {@code SHA256SUMS} last ({@code sha256sum -c}
 * format, one line per file, computed while the file is streamed). Two layouts:
 *
 * <ul>
 *   <li>{@code adapter}: PEFT's layout ({@code adapter_config.json}, {@code adapter_model.safetensors}) with the
 *       tokenizer files; {@code base_model_name_or_path} is rewritten from our server's folder to the base model's
 *       id, so {@code PeftModel.from_pretrained(base, dir)} loads it against the customer's copy of the base;
 *   <li>{@code merged}: Hugging Face's layout ({@code config.json}, {@code model*.safetensors}, tokenizer), loadable by
 *       {@code AutoModelForCausalLM.from_pretrained} without PEFT.
 * </ul>
 */
final class ModelArchive {
    static final String ADAPTER = "adapter";
    static final String MERGED = "merged";
    static final String ADAPTER_CONFIG = "adapter_config.json";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ModelArchive() {}

    /**
     * The folder holding {@code format} of the model in {@code modelDir} (the worker's final model folder), or null
     * when the model has no such layout: a full fine-tune has no adapter, and an adapter's merged weights are in the
     * sibling {@code merged/} the worker writes.
     */
    static Path folder(Path modelDir, String format) {
        boolean adapter = Files.isRegularFile(modelDir.resolve(ADAPTER_CONFIG));
        if (format.equals(ADAPTER)) {
            return adapter ? modelDir : null;
        }
        if (!adapter) {
            return modelDir;
        }
        Path merged = modelDir.resolveSibling(MERGED);
        return Files.isRegularFile(merged.resolve("config.json")) ? merged : null;
    }

    /** Streams the regular files of {@code folder} (sorted by name) and their checksums into {@code out}. */
    static void write(Path folder, String baseModel, OutputStream out) throws IOException {
        List<Path> files;
        try (var listing = Files.list(folder)) {
            files = listing.filter(Files::isRegularFile).sorted().toList();
        }
        List<String> sums = new ArrayList<>();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                zip.putNextEntry(new ZipEntry(name));
                MessageDigest digest = sha256();
                try (DigestOutputStream digesting = new DigestOutputStream(new NonClosing(zip), digest)) {
                    if (name.equals(ADAPTER_CONFIG)) {
                        digesting.write(adapterConfig(file, baseModel));
                    } else {
                        try (InputStream in = Files.newInputStream(file)) {
                            in.transferTo(digesting);
                        }
                    }
                }
                zip.closeEntry();
                sums.add(HexFormat.of().formatHex(digest.digest()) + "  " + name);
            }
            zip.putNextEntry(new ZipEntry("SHA256SUMS"));
            zip.write((String.join("\n", sums) + "\n").getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
    }

    /** The adapter config naming the base by its model id instead of our server's folder. */
    static byte[] adapterConfig(Path file, String baseModel) throws IOException {
        ObjectNode config = (ObjectNode) JSON.readTree(Files.readAllBytes(file));
        config.put("base_model_name_or_path", baseModel);
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The zip stream under a per-entry stream that must not close it. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}

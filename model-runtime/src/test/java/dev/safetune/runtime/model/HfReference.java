package dev.safetune.runtime.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The checkpoints Hugging Face transformers and PEFT wrote ({@code src/test/resources/hf-reference}, see
 * {@code generate.py} there), shared with the worker's tests through this module's test jar, and the tolerance the
 * runtime must meet against them.
 */
public final class HfReference {

    /**
     * Largest logit difference allowed, the criterion for logits of order 1–10 (see
     * {@code LlamaModelHfReferenceTest} for why not less).
     */
    public static final float TOLERANCE = 1e-4f;

    private HfReference() {}

    /**
     * The fixture directory {@code name} (e.g. {@code qwen2-tied}, {@code qwen2-tied/lora-all}). Read in place from
     * {@code target/test-classes}; when it comes from the packaged test jar (another module's {@code verify}), it is
     * copied to a temporary directory first, since model loading needs real files.
     */
    public static Path fixture(String name) {
        URL url = HfReference.class.getResource("/hf-reference/" + name);
        if (url == null) {
            throw new IllegalArgumentException("no hf-reference fixture " + name);
        }
        try {
            URI uri = url.toURI();
            if ("file".equals(uri.getScheme())) {
                return Path.of(uri);
            }
            return extracted(uri, name);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies the fixture's whole tree, so that an adapter's relative base path still resolves. */
    private static Path extracted(URI uri, String name) throws IOException {
        Path target = Files.createTempDirectory("hf-reference");
        try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
            Path root = jar.getPath("/hf-reference");
            try (Stream<Path> all = Files.walk(root)) {
                for (Path source : all.toList()) {
                    Path copy = target.resolve(root.relativize(source).toString());
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(copy);
                    } else {
                        Files.copy(source, copy);
                    }
                }
            }
        }
        return target.resolve(name);
    }

    /** {@code actual} matches {@code reference} within {@link #TOLERANCE}, on logits of a sensible scale. */
    public static void assertClose(NDArray actual, NDArray reference, String what) {
        assertThat(actual.getShape()).as(what).isEqualTo(reference.getShape());
        float scale = reference.abs().max().getFloat();
        float error = actual.sub(reference).abs().max().getFloat();
        assertThat(scale).as(what).isGreaterThan(0.5f);
        assertThat(scale).as(what).isLessThan(100f);
        assertThat(error).as("%s: max |Δ| with values up to %s", what, scale).isLessThan(TOLERANCE);
    }
}

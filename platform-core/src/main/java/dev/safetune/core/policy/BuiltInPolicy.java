package dev.safetune.core.policy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The platform's built-in default policy version, {@value #ID}: the row migration V8 installs as the first default.
 * Its document is kept here too (resource {@code builtin-default-v1.json}, the same canonical text) so that code
 * without a database, such as the offline {@code ./safetune screen}, decides by exactly what the platform installs;
 * {@code BuiltInPolicyTest} checks the two are the same bytes.
 */
public final class BuiltInPolicy {
    public static final String ID = "sp-builtin-default-v1";
    public static final int VERSION = 1;
    private static final String RESOURCE = "builtin-default-v1.json";

    private BuiltInPolicy() {}

    /** The canonical document, as V8 stores it. */
    public static String canonicalDocument() {
        try (InputStream in = BuiltInPolicy.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " is missing from platform-core");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The parsed document. */
    public static SafetyPolicy document() {
        return SafetyPolicyJson.read(canonicalDocument());
    }
}

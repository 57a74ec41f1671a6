package dev.safetune.core.modelimport;

/** An import request that is not well formed; {@link #field()} names the request field at fault. */
public final class InvalidImportSpecException extends IllegalArgumentException {
    private final String field;

    public InvalidImportSpecException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** {@code source} or {@code model_id}. */
    public String field() {
        return field;
    }
}

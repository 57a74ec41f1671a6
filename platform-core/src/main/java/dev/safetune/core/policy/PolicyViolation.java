package dev.safetune.core.policy;

/**
 * One thing wrong with a policy document (or, from {@link StricterOrEqual}, one way a candidate is weaker than its
 * baseline).
 *
 * @param field a dotted path into the document, arrays by index: {@code safeguards.kl.beta},
 *     {@code safeguards.caft.layers[1]}; empty for the document as a whole
 * @param message what is wrong, in the reader's terms
 */
public record PolicyViolation(String field, String message) {
    @Override
    public String toString() {
        return (field.isEmpty() ? "document" : field) + ": " + message;
    }
}

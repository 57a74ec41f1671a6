package dev.safetune.api.file;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.safetune.core.dataset.LineError;
import dev.safetune.core.dataset.ValidationReport;
import java.util.List;

/**
 * OpenAI's file object, plus (+) {@code validation}: the per-line report computed at upload, in the upload's response
 * and in {@code GET /v1/files/{id}} (not in lists, which stay small); {@code status_details} keeps its summary.
 */
public record FileObject(
        String id,
        String object,
        long bytes,
        long createdAt,
        String filename,
        String purpose,
        String status,
        String statusDetails,
        @JsonInclude(JsonInclude.Include.NON_NULL) Validation validation) {

    /** Every problem up to the reader's cap is in {@code errors}; {@code error_count} counts them all. */
    public record Validation(int examples, int lines, List<Problem> errors, int errorCount) {
        public static Validation of(ValidationReport report) {
            return new Validation(
                    report.examples(),
                    report.lines(),
                    report.errors().stream().map(Problem::of).toList(),
                    report.errorCount());
        }
    }

    /** One problem; {@code line} is 1-based, null for a problem with the file as a whole. */
    public record Problem(Integer line, String field, String message) {
        static Problem of(LineError error) {
            return new Problem(error.line() > 0 ? error.line() : null, error.field(), error.message());
        }
    }

    static FileObject of(UploadedFile file) {
        return of(file, null);
    }

    static FileObject of(UploadedFile file, Validation validation) {
        return new FileObject(
                file.id(),
                "file",
                file.bytes(),
                file.createdAt().getEpochSecond(),
                file.filename(),
                file.purpose(),
                file.status(),
                file.statusDetails(),
                validation);
    }
}

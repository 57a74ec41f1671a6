package dev.safetune.core.dataset;

/** A training file that does not pass {@link TrainingFileReader}'s rules. */
public class InvalidTrainingFileException extends IllegalArgumentException {
    private final transient ValidationReport report;

    public InvalidTrainingFileException(ValidationReport report) {
        super("invalid training file: " + report.summary());
        this.report = report;
    }

    public ValidationReport report() {
        return report;
    }
}

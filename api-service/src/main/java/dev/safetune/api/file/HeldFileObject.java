package dev.safetune.api.file;

import dev.safetune.safeguards.screen.ScreenView;
import java.util.List;

/**
 * (+) A file the training-data screen holds, as operators list them ({@code GET /admin/files/held}): whose it is, when
 * it was screened, by which policy version, and why it is held. The findings stay on the file's report.
 */
public record HeldFileObject(
        String fileId,
        String object,
        String organizationId,
        long createdAt,
        long examples,
        String policyId,
        Integer policyVersion,
        List<ScreenView.ReasonView> reasons) {
    public static final String OBJECT = "file.screen.held";

    static HeldFileObject of(String fileId, String organizationId, long createdAt, ScreenView view) {
        return new HeldFileObject(
                fileId,
                OBJECT,
                organizationId,
                createdAt,
                view.examples(),
                view.policyId(),
                view.policyVersion(),
                view.reasons());
    }
}

package dev.safetune.api.file;

import dev.safetune.api.auth.Tenant;
import dev.safetune.api.error.ConflictException;
import dev.safetune.api.error.NotFoundException;
import dev.safetune.api.error.WrittenReason;
import dev.safetune.api.web.ListObject;
import dev.safetune.api.web.PageLimit;
import dev.safetune.core.policy.ScreenAction;
import dev.safetune.safeguards.screen.ScreenView;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Operators' review of files the training-data screen held: release (jobs may start; a {@code pin_policy} reason still
 * pins them) or reject (no job, ever), each with a written reason appended to {@code file_screen_reviews}, a log the
 * database refuses to change. Operators act for the platform, so a file of any organisation can be reviewed; the
 * report stays readable only by its own organisation on {@code /v1}.
 */
@Service
class ScreenReviewService {
    static final String RELEASE = "release";
    static final String REJECT = "reject";
    /** Findings returned with a review; the whole report stays pageable on {@code GET /v1/files/{id}/screen}. */
    static final int FINDINGS_SHOWN = 20;

    private static final Logger log = LoggerFactory.getLogger(ScreenReviewService.class);

    private final FileScreenStore screens;

    ScreenReviewService(FileScreenStore screens) {
        this.screens = screens;
    }

    @Transactional
    ScreenView review(Tenant operator, String fileId, String action, ReviewRequest request) {
        String reason = WrittenReason.require(request == null ? null : request.reason());
        FileScreenStore.Owned owned = screens.findForReview(fileId)
                .orElseThrow(() -> new NotFoundException("id", "No screen report for file '" + fileId + "'."));
        ScreenView view = owned.view();
        String held = ScreenAction.HOLD.wireName();
        if (!held.equals(view.decision())) {
            throw new ConflictException(
                    "file_not_held",
                    "id",
                    "File " + fileId + " is not held: its screen decision is '" + view.decision()
                            + "'. Only a held file can be released or rejected.");
        }
        String decision = action.equals(RELEASE) ? view.decisionOnRelease() : ScreenAction.REJECT.wireName();
        ScreenView reviewed = view.reviewed(
                decision,
                new ScreenView.Review(action, held, reason, Instant.now().getEpochSecond()));
        if (!screens.review(fileId, owned.organizationId(), action, held, reviewed, reason, operator.apiKeyId())) {
            throw new ConflictException("concurrent_update", "id", "File " + fileId + " was reviewed meanwhile.");
        }
        log.info(
                "file {} of {}: {} on review by key {}, decision {}",
                fileId,
                owned.organizationId(),
                action,
                operator.apiKeyId(),
                decision);
        return reviewed.page(0, FINDINGS_SHOWN);
    }

    /** Held files of every organisation, oldest first: the files waiting for a review. */
    @Transactional(readOnly = true)
    ListObject<HeldFileObject> held(String after, PageLimit limit) {
        return ListObject.page(screens.held(after, limit.fetchSize()), limit, file -> file);
    }

    /** The body of a review: why. */
    record ReviewRequest(String reason) {}
}

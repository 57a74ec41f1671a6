package dev.safetune.api.file;

import dev.safetune.api.auth.Tenant;
import dev.safetune.api.web.ApiPaths;
import dev.safetune.api.web.ListObject;
import dev.safetune.api.web.PageLimit;
import dev.safetune.safeguards.screen.ScreenView;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * (+) Operators' review of files the training-data screen held ({@code admin} keys only, per {@code RouteAccess}):
 * list them, and release or reject one with a body {@code {"reason": "..."}}, required, answered with the file's
 * screen report and the review in it. Errors are problem details.
 */
@RestController
@RequestMapping(ApiPaths.ADMIN + "/files")
class ScreenReviewController {
    private static final int MAX_PAGE = 100;

    private final ScreenReviewService reviews;

    ScreenReviewController(ScreenReviewService reviews) {
        this.reviews = reviews;
    }

    /** The review queue: held files of every organisation, oldest first; {@code after} a file id to page on. */
    @GetMapping("/held")
    ListObject<HeldFileObject> held(
            @RequestParam(required = false) String after, @RequestParam(required = false) Integer limit) {
        return reviews.held(after, PageLimit.of(limit, 20, MAX_PAGE));
    }

    @PostMapping("/{id}/screen/release")
    ScreenView release(
            Tenant operator,
            @PathVariable String id,
            @RequestBody(required = false) ScreenReviewService.ReviewRequest request) {
        return reviews.review(operator, id, ScreenReviewService.RELEASE, request);
    }

    @PostMapping("/{id}/screen/reject")
    ScreenView reject(
            Tenant operator,
            @PathVariable String id,
            @RequestBody(required = false) ScreenReviewService.ReviewRequest request) {
        return reviews.review(operator, id, ScreenReviewService.REJECT, request);
    }
}

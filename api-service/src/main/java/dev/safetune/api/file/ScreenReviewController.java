package dev.safetune.api.file;

import dev.safetune.api.auth.Tenant;
import dev.safetune.api.web.ApiPaths;
import dev.safetune.safeguards.screen.ScreenView;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * (+) Operators release or reject a file the training-data screen held ({@code admin} keys only, per
 * {@code RouteAccess}); the body is {@code {"reason": "..."}}, required. Answers the file's screen report with the
 * review in it; errors are problem details.
 */
@RestController
@RequestMapping(ScreenReviewController.PATH)
class ScreenReviewController {
    static final String PATH = ApiPaths.ADMIN + "/files/{id}/screen";

    private final ScreenReviewService reviews;

    ScreenReviewController(ScreenReviewService reviews) {
        this.reviews = reviews;
    }

    @PostMapping("/release")
    ScreenView release(
            Tenant operator,
            @PathVariable String id,
            @RequestBody(required = false) ScreenReviewService.ReviewRequest request) {
        return reviews.review(operator, id, ScreenReviewService.RELEASE, request);
    }

    @PostMapping("/reject")
    ScreenView reject(
            Tenant operator,
            @PathVariable String id,
            @RequestBody(required = false) ScreenReviewService.ReviewRequest request) {
        return reviews.review(operator, id, ScreenReviewService.REJECT, request);
    }
}

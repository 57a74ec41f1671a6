package dev.safetune.api.job;

import dev.safetune.api.auth.Tenant;
import dev.safetune.api.error.InvalidRequestException;
import dev.safetune.api.web.ListObject;
import dev.safetune.api.web.PageLimit;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/v1/fine_tuning/jobs")
class JobController {
    private static final int MAX_PAGE = 100;

    private final JobService jobs;

    JobController(JobService jobs) {
        this.jobs = jobs;
    }

    @PostMapping
    FineTuningJobObject create(Tenant tenant, @RequestBody CreateJobRequest request) {
        return FineTuningJobObject.of(jobs.create(tenant, request));
    }

    @GetMapping
    ListObject<FineTuningJobObject> list(
            Tenant tenant,
            @RequestParam(required = false) String after,
            @RequestParam(required = false) Integer limit) {
        return jobs.list(tenant, after, PageLimit.of(limit, 20, MAX_PAGE));
    }

    @GetMapping("/{id}")
    FineTuningJobObject get(Tenant tenant, @PathVariable String id) {
        return FineTuningJobObject.of(jobs.get(tenant, id));
    }

    @PostMapping("/{id}/cancel")
    FineTuningJobObject cancel(Tenant tenant, @PathVariable String id) {
        return FineTuningJobObject.of(jobs.cancel(tenant, id));
    }

    /** {@code order=asc} (+) lists oldest first, {@code after} then meaning newer than that event. */
    @GetMapping("/{id}/events")
    ListObject<JobEventObject> events(
            Tenant tenant,
            @PathVariable String id,
            @RequestParam(required = false) String after,
            @RequestParam(required = false) Integer limit,
            @RequestParam(defaultValue = "desc") String order) {
        boolean ascending = switch (order) {
            case "asc" -> true;
            case "desc" -> false;
            default ->
                throw new InvalidRequestException(
                        "order", "invalid_value", "Invalid 'order': '" + order + "'; use 'asc' or 'desc'.");
        };
        return jobs.events(tenant, id, after, ascending, PageLimit.of(limit, 20, MAX_PAGE));
    }

    @GetMapping("/{id}/checkpoints")
    ListObject<CheckpointObject> checkpoints(
            Tenant tenant,
            @PathVariable String id,
            @RequestParam(required = false) String after,
            @RequestParam(required = false) Integer limit) {
        return jobs.checkpoints(tenant, id, after, PageLimit.of(limit, 10, MAX_PAGE));
    }
}

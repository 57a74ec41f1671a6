package dev.safetune.api.job;

import dev.safetune.api.auth.Tenant;
import dev.safetune.api.web.ListObject;
import dev.safetune.api.web.ListOrder;
import dev.safetune.api.web.PageLimit;
import dev.safetune.api.web.QueryParameters;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

@RestController
@RequestMapping("/v1/fine_tuning/jobs")
class JobController {
    private static final int MAX_PAGE = 100;
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    static final String IDEMPOTENT_REPLAYED = "Idempotent-Replayed";

    private final JobService jobs;

    JobController(JobService jobs) {
        this.jobs = jobs;
    }

    /**
     * (+) With an {@code Idempotency-Key} header, retrying the same request returns the job the first one created
     * (marked {@code Idempotent-Replayed: true}) instead of creating another.
     */
    @PostMapping
    ResponseEntity<FineTuningJobObject> create(
            Tenant tenant,
            @RequestBody CreateJobRequest request,
            @RequestHeader(name = IDEMPOTENCY_KEY, required = false) String idempotencyKey) {
        JobService.CreatedJob created = jobs.create(tenant, request, idempotencyKey);
        ResponseEntity.BodyBuilder response = ResponseEntity.ok();
        if (created.replayed()) {
            response.header(IDEMPOTENT_REPLAYED, "true");
        }
        return response.body(FineTuningJobObject.of(created.job()));
    }

    /**
     * OpenAI's filter {@code metadata[key]=value} (every pair must match) or {@code metadata=null} (jobs without
     * metadata).
     */
    @GetMapping
    @QueryParameters(prefixes = "metadata[")
    ListObject<FineTuningJobObject> list(
            Tenant tenant,
            @RequestParam(required = false) String after,
            @RequestParam(required = false) Integer limit,
            @RequestParam(required = false) String metadata,
            HttpServletRequest request) {
        return jobs.list(
                tenant, JobListing.MetadataFilter.of(metadata, request), after, PageLimit.of(limit, 20, MAX_PAGE));
    }

    @GetMapping("/{id}")
    FineTuningJobObject get(Tenant tenant, @PathVariable String id) {
        return FineTuningJobObject.of(jobs.get(tenant, id));
    }

    @PostMapping("/{id}/cancel")
    FineTuningJobObject cancel(Tenant tenant, @PathVariable String id) {
        return FineTuningJobObject.of(jobs.cancel(tenant, id));
    }

    /** (+) Pauses a queued or running job; it keeps its checkpoints. */
    @PostMapping("/{id}/pause")
    FineTuningJobObject pause(Tenant tenant, @PathVariable String id) {
        return FineTuningJobObject.of(jobs.pause(tenant, id));
    }

    /** (+) Resumes a paused job from its newest checkpoint. */
    @PostMapping("/{id}/resume")
    FineTuningJobObject resume(Tenant tenant, @PathVariable String id) {
        return FineTuningJobObject.of(jobs.resume(tenant, id));
    }

    /**
     * {@code order=asc} (+) lists oldest first, {@code after} then meaning newer than that event;
     * {@code include_superseded=true} (+) adds the metrics a resumed attempt trained again (see {@link JobEventLog}).
     */
    @GetMapping("/{id}/events")
    ListObject<JobEventObject> events(
            Tenant tenant,
            @PathVariable String id,
            @RequestParam(required = false) String after,
            @RequestParam(required = false) Integer limit,
            @RequestParam(defaultValue = "desc") String order,
            @RequestParam(name = "include_superseded", defaultValue = "false") boolean includeSuperseded) {
        boolean ascending = ListOrder.parse(order) == ListOrder.ASC;
        return jobs.events(tenant, id, after, ascending, includeSuperseded, PageLimit.of(limit, 20, MAX_PAGE));
    }

    /** (+) The same events as they happen, as Server-Sent Events, for {@code Accept: text/event-stream}. */
    @GetMapping(value = "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    ResponseEntity<SseEmitter> streamEvents(
            Tenant tenant,
            @PathVariable String id,
            @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId) {
        return ResponseEntity.ok()
                .header(HttpHeaders.CACHE_CONTROL, "no-cache")
                // Reverse proxies such as nginx would otherwise buffer the stream and deliver events late.
                .header("X-Accel-Buffering", "no")
                .body(jobs.streamEvents(tenant, id, lastEventId));
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

package dev.safetune.worker.job;

import dev.safetune.core.audit.GateDecision;
import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.policy.AuditRules;
import dev.safetune.core.policy.SafetyPolicies;
import dev.safetune.core.policy.SafetyPolicy;
import dev.safetune.safeguards.audit.GateVerdict;
import dev.safetune.worker.audit.AuditStore;
import dev.safetune.worker.audit.Auditor;
import dev.safetune.worker.queue.ClaimedJob;
import dev.safetune.worker.queue.JobQueue;
import dev.safetune.worker.queue.ResultFile;
import dev.safetune.worker.work.Heartbeats;
import dev.safetune.worker.work.Lease;
import dev.safetune.worker.work.LeaseState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The job's audit phase, under the same lease as its training: when training ends the job elects {@code auditing}
 * (or, without a suite for its base and in {@code when-available} mode, succeeds unaudited, saying so), the
 * {@link Auditor} runs, and the gate's decision ends the job: released (published) or blocked. A job re-claimed after
 * its worker died in the audit skips training and resumes the audit from its stored rounds.
 */
final class AuditPhase {
    private static final Logger log = LoggerFactory.getLogger(AuditPhase.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JobQueue queue;
    private final Auditor auditor;
    private final SafetyPolicies policies;

    AuditPhase(JobQueue queue, Auditor auditor, SafetyPolicies policies) {
        this.queue = queue;
        this.auditor = auditor;
        this.policies = policies;
    }

    /**
     * The gate's rules for a job, the one place that reads them: the {@code audit} section of the safety policy the
     * job is pinned to. A policy cannot switch the audit off: without the section (or for a job from before policies
     * existed) the audit runs with {@link AuditRules#DEFAULT}; a field the section leaves out takes the default's.
     */
    AuditRules rules(ClaimedJob job) {
        return rules(policies.versionForJob(job.id()));
    }

    private static AuditRules rules(Optional<SafetyPolicies.Version> pinned) {
        AuditRules audit = pinned.map(SafetyPolicies.Version::document)
                .orElse(SafetyPolicy.NONE)
                .audit();
        return audit == null ? AuditRules.DEFAULT : audit.withDefaults();
    }

    /** The pinned policy version the report names ({@code id vN}), or the default audit's name for an unpinned job. */
    private static String policyVersion(Optional<SafetyPolicies.Version> pinned) {
        return pinned.map(v -> v.id() + " v" + v.version()).orElse(AuditRules.UNPINNED_POLICY_VERSION);
    }

    /** Whether the job's model must pass the audit before release (see {@code safetune.audit.mode}). */
    boolean audits(Path baseDir, ClaimedJob job) {
        if (!auditor.properties().enabled()) {
            return false;
        }
        return auditor.suiteFor(baseDir, rules(job)).isPresent()
                || auditor.properties().mode().equals("required");
    }

    /** The undecided audit of a re-claimed job, if its training had ended. */
    Optional<AuditStore.PendingAudit> pending(String jobId) {
        return auditor.properties().enabled() ? auditor.store().pending(jobId) : Optional.empty();
    }

    /** Ends training by electing the audit; false when the lease was lost. */
    boolean elect(
            Lease lease,
            ClaimedJob job,
            String modelName,
            long trainedTokens,
            Path modelDir,
            List<ResultFile> resultFiles) {
        // Read before the transaction, once: SafetyPolicies takes its own pooled connection, and asking for a second
        // one while the election's transaction holds the first can exhaust the pool when every connection is held so.
        Optional<SafetyPolicies.Version> pinned = policies.versionForJob(job.id());
        String policyVersion = policyVersion(pinned);
        AuditRules rules = rules(pinned);
        return queue.electAudit(
                lease,
                trainedTokens,
                resultFiles,
                () -> auditor.store()
                        .start(
                                lease,
                                modelName,
                                job.model(),
                                modelDir.toString(),
                                trainedTokens,
                                policyVersion,
                                rules));
    }

    /** Runs (or resumes) the audit and writes the gate's decision. */
    void run(
            Lease lease,
            ClaimedJob job,
            AuditStore.PendingAudit audit,
            Path baseDir,
            List<ChatExample> training,
            Heartbeats.Heartbeat heartbeat,
            BooleanSupplier stopping)
            throws IOException {
        Optional<String> suite = auditor.suiteFor(baseDir, audit.rules());
        long started = System.nanoTime();
        Auditor.Outcome outcome;
        if (suite.isEmpty()) {
            outcome = new Auditor.Outcome(
                    new GateVerdict(
                            GateDecision.BLOCKED,
                            "no_audit_suite",
                            Auditor.NO_TRIGGER,
                            "all",
                            "no audit suite is available for base " + job.model()
                                    + " and safetune.audit.mode is required"),
                    Map.of());
        } else {
            Auditor.Progress progress = new Auditor.Progress() {
                @Override
                public void event(String message, Map<String, Object> data) {
                    queue.appendEvent(lease, "info", "message", message, data);
                }

                @Override
                public boolean shouldStop() {
                    return stopping.getAsBoolean() || heartbeat.state() != LeaseState.HELD;
                }
            };
            outcome = auditor.run(
                    new Auditor.AuditJob(
                            lease,
                            job.model(),
                            baseDir,
                            Path.of(audit.candidatePath()),
                            training,
                            audit.rules(),
                            audit.policyVersion()),
                    suite.get(),
                    progress);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        GateVerdict v = outcome.verdict();
        Map<String, Object> report = new LinkedHashMap<>(outcome.report());
        report.put("wall_seconds", Math.round(seconds * 10) / 10.0);
        report.put("in_domain_training", auditor.store().trainingLosses(lease.id()));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("rule", v.rule());
        details.put("condition", v.condition());
        details.put("category", v.category());
        details.put("policy_version", audit.policyVersion());
        boolean written = queue.decideAudit(
                lease,
                new JobQueue.AuditDecision(
                        v.decision(),
                        v.rule(),
                        v.reason(),
                        audit.fineTunedModel(),
                        job.model(),
                        audit.candidatePath(),
                        JSON.writeValueAsString(report),
                        JSON.writeValueAsString(details)));
        if (!written) {
            log.info("job {} finished its audit but its lease was lost; decision discarded", lease.id());
            return;
        }
        if (v.decision() == GateDecision.RELEASED) {
            queue.appendEvent(
                    lease, "info", "message", "Audit passed (" + v.reason() + ")", Map.of("decision", "released"));
            queue.appendEvent(
                    lease, "info", "message", "New fine-tuned model created: " + audit.fineTunedModel(), null);
            queue.appendEvent(lease, "info", "message", "The job has successfully completed", null);
        } else {
            queue.appendEvent(
                    lease,
                    "error",
                    "message",
                    "The release gate blocked this model (" + v.rule() + "): " + v.reason(),
                    Map.of("decision", "blocked", "rule", v.rule()));
        }
    }
}

package dev.safetune.core.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class JobTransitionTest {

    @ParameterizedTest
    @EnumSource(JobTransition.class)
    void everyNamedTransitionIsOneTheTableAllows(JobTransition transition) {
        for (JobStatus from : transition.from()) {
            assertThat(from.canTransitionTo(transition.to()))
                    .as("%s: %s -> %s", transition, from, transition.to())
                    .isTrue();
        }
    }

    @Test
    void anExpiredLeaseRequeuesEveryLeasedStatusAuditingIncluded() {
        assertThat(JobTransition.REQUEUE_EXPIRED.from())
                .containsExactlyInAnyOrder(JobStatus.RUNNING, JobStatus.AUDITING)
                .isEqualTo(JobStatus.leased());
        assertThat(JobTransition.REQUEUE_EXPIRED.sqlGuard()).isEqualTo("status IN ('auditing', 'running')");
    }

    @Test
    void trainingMayElectAuditingInsteadOfSucceeded() {
        assertThat(JobTransition.ELECT_AUDIT.from()).containsExactly(JobStatus.RUNNING);
        assertThat(JobTransition.ELECT_AUDIT.to()).isEqualTo(JobStatus.AUDITING);
        assertThat(JobStatus.AUDITING.isLeased()).isTrue();
        assertThat(JobStatus.AUDITING.isTerminal()).isFalse();
    }

    @Test
    void aCustomerResumesOnlyAPausedJobThoughALeaseExpiryAlsoEntersTheQueue() {
        assertThat(JobTransition.RESUME.from()).containsExactly(JobStatus.PAUSED);
        assertThat(JobStatus.sourcesOf(JobStatus.QUEUED)).contains(JobStatus.RUNNING, JobStatus.AUDITING);
    }

    @Test
    void cancelAndPauseTakeTheTablesOwnSources() {
        assertThat(JobTransition.CANCEL.from()).isEqualTo(JobStatus.sourcesOf(JobStatus.CANCELLED));
        assertThat(JobTransition.PAUSE.from()).isEqualTo(JobStatus.sourcesOf(JobStatus.PAUSED));
    }

    @Test
    void anEmptyGuardIsRefused() {
        Set<JobStatus> none = EnumSet.noneOf(JobStatus.class);
        assertThatThrownBy(() -> JobTransition.sqlIn("status", none)).isInstanceOf(IllegalArgumentException.class);
    }
}

package dev.safetune.core.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class JobStatusTest {

    @Test
    void aQueuedJobCanBeClaimedCancelledOrFailedButNotFinished() {
        assertThat(JobStatus.QUEUED.canTransitionTo(JobStatus.RUNNING)).isTrue();
        assertThat(JobStatus.QUEUED.canTransitionTo(JobStatus.CANCELLED)).isTrue();
        assertThat(JobStatus.QUEUED.canTransitionTo(JobStatus.SUCCEEDED)).isFalse();
    }

    @Test
    void aRunningJobMayGoBackToTheQueueWhenItsLeaseExpires() {
        assertThat(JobStatus.RUNNING.canTransitionTo(JobStatus.QUEUED)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(
            value = JobStatus.class,
            names = {"SUCCEEDED", "FAILED", "CANCELLED", "BLOCKED"})
    void terminalStatusesLeadNowhereButAnOverriddenBlock(JobStatus terminal) {
        assertThat(terminal.isTerminal()).isTrue();
        for (JobStatus next : JobStatus.values()) {
            boolean override = terminal == JobStatus.BLOCKED && next == JobStatus.SUCCEEDED;
            assertThat(terminal.canTransitionTo(next)).isEqualTo(override);
        }
    }

    @Test
    void onlyTheOperatorsOverrideLeavesBlocked() {
        assertThat(JobStatus.sourcesOf(JobStatus.BLOCKED)).containsExactly(JobStatus.AUDITING);
        assertThat(JobTransition.OVERRIDE_RELEASE.from()).containsExactly(JobStatus.BLOCKED);
        assertThat(JobTransition.BLOCK.from()).containsExactly(JobStatus.AUDITING);
    }

    @Test
    void illegalTransitionNamesBothStatuses() {
        assertThatThrownBy(() -> JobStatus.SUCCEEDED.requireTransition(JobStatus.RUNNING))
                .isInstanceOf(IllegalJobTransitionException.class)
                .hasMessage("a job cannot go from succeeded to running");
    }

    @Test
    void cancellationIsReachableFromEveryActiveStatus() {
        assertThat(JobStatus.sourcesOf(JobStatus.CANCELLED))
                .containsExactlyInAnyOrder(
                        JobStatus.VALIDATING_FILES,
                        JobStatus.QUEUED,
                        JobStatus.RUNNING,
                        JobStatus.PAUSED,
                        JobStatus.AUDITING);
    }

    @Test
    void aPausedJobResumesThroughTheQueue() {
        assertThat(JobStatus.sourcesOf(JobStatus.PAUSED))
                .containsExactlyInAnyOrder(JobStatus.QUEUED, JobStatus.RUNNING);
        assertThat(JobStatus.PAUSED.canTransitionTo(JobStatus.QUEUED)).isTrue();
        assertThat(JobStatus.PAUSED.canTransitionTo(JobStatus.RUNNING)).isFalse();
        assertThat(JobStatus.PAUSED.isTerminal()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(JobStatus.class)
    void wireNamesRoundTrip(JobStatus status) {
        assertThat(JobStatus.fromWire(status.wireName())).isEqualTo(status);
    }
}

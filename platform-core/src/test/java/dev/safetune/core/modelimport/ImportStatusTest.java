package dev.safetune.core.modelimport;

import static dev.safetune.core.modelimport.ImportStatus.FAILED;
import static dev.safetune.core.modelimport.ImportStatus.QUEUED;
import static dev.safetune.core.modelimport.ImportStatus.RUNNING;
import static dev.safetune.core.modelimport.ImportStatus.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ImportStatusTest {

    @Test
    void aQueuedImportCanOnlyBeClaimed() {
        assertThat(QUEUED.canTransitionTo(RUNNING)).isTrue();
        assertThat(QUEUED.canTransitionTo(SUCCEEDED)).isFalse();
        assertThat(QUEUED.canTransitionTo(FAILED)).isFalse();
    }

    @Test
    void aRunningImportEndsOrGoesBackToTheQueue() {
        assertThat(RUNNING.canTransitionTo(SUCCEEDED)).isTrue();
        assertThat(RUNNING.canTransitionTo(FAILED)).isTrue();
        assertThat(RUNNING.canTransitionTo(QUEUED)).isTrue();
    }

    @Test
    void finishedImportsAreFinal() {
        assertThat(SUCCEEDED.isTerminal()).isTrue();
        assertThat(FAILED.isTerminal()).isTrue();
        assertThatThrownBy(() -> FAILED.requireTransition(QUEUED))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("a model import cannot go from failed to queued");
    }

    @Test
    void wireNamesAreTheDatabaseValues() {
        for (ImportStatus status : ImportStatus.values()) {
            assertThat(ImportStatus.fromWire(status.wireName())).isEqualTo(status);
        }
        assertThat(QUEUED.wireName()).isEqualTo("queued");
    }
}

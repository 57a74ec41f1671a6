package dev.safetune.core.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetune.core.modelimport.ImportStatus;
import dev.safetune.core.screen.PersonaScreenStatus;
import org.junit.jupiter.api.Test;

class LifecycleStatusTest {

    @Test
    void theGuardListsTheWireNamesOfTheStatusesAChangeMayComeFrom() {
        assertThat(LifecycleStatus.sqlGuard(ImportStatus.RUNNING, ImportStatus.QUEUED))
                .isEqualTo("status IN ('queued')");
        assertThat(LifecycleStatus.sqlGuard(PersonaScreenStatus.QUEUED, PersonaScreenStatus.RUNNING))
                .isEqualTo("status IN ('running')");
    }

    @Test
    void aGuardTheTransitionTableForbidsIsRefusedBeforeAnySqlIsWritten() {
        assertThatThrownBy(() -> LifecycleStatus.sqlGuard(PersonaScreenStatus.RUNNING, PersonaScreenStatus.SUCCEEDED))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> LifecycleStatus.sqlGuard(ImportStatus.QUEUED))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void thePendingGuardListsEveryStatusThatHasNotEnded() {
        assertThat(PersonaScreenStatus.pendingSqlGuard()).isEqualTo("status IN ('queued', 'running')");
        assertThat(LifecycleStatus.pendingSqlGuard(ImportStatus.class)).isEqualTo("status IN ('queued', 'running')");
    }

    @Test
    void wireNamesRoundTripAndAnUnknownOneIsNamedWithItsKind() {
        for (PersonaScreenStatus s : PersonaScreenStatus.values()) {
            assertThat(PersonaScreenStatus.fromWire(s.wireName())).isSameAs(s);
        }
        assertThatThrownBy(() -> PersonaScreenStatus.fromWire("done"))
                .hasMessage("unknown persona screen status: done");
        assertThatThrownBy(() -> ImportStatus.fromWire("done")).hasMessage("unknown model import status: done");
    }

    @Test
    void theTableDecidesTransitionsAndEndStates() {
        assertThat(PersonaScreenStatus.RUNNING.canTransitionTo(PersonaScreenStatus.SKIPPED))
                .isTrue();
        assertThat(PersonaScreenStatus.QUEUED.canTransitionTo(PersonaScreenStatus.SUCCEEDED))
                .isFalse();
        assertThat(PersonaScreenStatus.SKIPPED.isTerminal()).isTrue();
        assertThat(PersonaScreenStatus.RUNNING.isTerminal()).isFalse();
        assertThatThrownBy(() -> PersonaScreenStatus.SUCCEEDED.requireTransition(PersonaScreenStatus.RUNNING))
                .hasMessage("a persona screen cannot go from succeeded to running");
    }
}

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
}

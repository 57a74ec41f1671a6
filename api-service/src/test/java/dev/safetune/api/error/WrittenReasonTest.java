package dev.safetune.api.error;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WrittenReasonTest {
    @Test
    void aReasonIsStoredStripped() {
        assertThat(WrittenReason.require("  the audit's judge was misconfigured \n"))
                .isEqualTo("the audit's judge was misconfigured");
        assertThat(WrittenReason.problem("x".repeat(WrittenReason.MAX_LENGTH))).isEmpty();
    }

    @Test
    void aMissingOrBlankReasonIsAMissingParameterNamingTheField() {
        for (String missing : new String[] {null, "", "   \t"}) {
            assertThatThrownBy(() -> WrittenReason.require(missing))
                    .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                        assertThat(e.param()).isEqualTo("reason");
                        assertThat(e.code()).isEqualTo("missing_required_parameter");
                    });
        }
    }

    @Test
    void aReasonOneCharacterTooLongIsRejectedWithItsLength() {
        String tooLong = "x".repeat(WrittenReason.MAX_LENGTH + 1);
        assertThat(WrittenReason.problem(tooLong)).contains("must be at most 2000 characters, got 2001");
        assertThatThrownBy(() -> WrittenReason.require(tooLong))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.param()).isEqualTo("reason");
                    assertThat(e.code()).isEqualTo("invalid_value");
                });
    }
}

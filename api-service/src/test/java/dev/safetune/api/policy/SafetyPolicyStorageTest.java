package dev.safetune.api.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetune.api.ApiServiceTestBase;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;

/** The database itself keeps versions, the default's history and jobs' pins immutable: real PostgreSQL triggers. */
class SafetyPolicyStorageTest extends ApiServiceTestBase {
    private static final String BUILT_IN = "sp-builtin-default-v1";

    @Test
    void aVersionCannotBeUpdated() {
        assertThatThrownBy(
                        () -> jdbc.update("UPDATE safety_policies SET document = '{}'::jsonb WHERE id = ?", BUILT_IN))
                .isInstanceOf(DataAccessException.class)
                .hasMessageContaining("UPDATE on safety_policies refused: rows are immutable");
        assertThat(jdbc.queryForObject(
                        "SELECT document->'safeguards'->'kl'->>'beta' FROM safety_policies WHERE id = ?",
                        String.class,
                        BUILT_IN))
                .isEqualTo("0.1");
    }

    @Test
    void aVersionCannotBeDeletedOrTruncated() {
        assertThatThrownBy(() -> jdbc.update("DELETE FROM safety_policies WHERE id = ?", BUILT_IN))
                .isInstanceOf(DataAccessException.class)
                .hasMessageContaining("DELETE on safety_policies refused");
        assertThatThrownBy(() -> jdbc.execute("TRUNCATE safety_policies CASCADE"))
                .isInstanceOf(DataAccessException.class)
                .hasMessageContaining("TRUNCATE on safety_policies refused");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM safety_policies WHERE id = ?", Integer.class, BUILT_IN))
                .isEqualTo(1);
    }

    @Test
    void theDefaultHistoryIsAppendOnly() {
        assertThatThrownBy(() -> jdbc.update("UPDATE safety_policy_default_history SET reason = 'rewritten'"))
                .isInstanceOf(DataAccessException.class)
                .hasMessageContaining("refused");
        assertThatThrownBy(() -> jdbc.update("DELETE FROM safety_policy_default_history"))
                .isInstanceOf(DataAccessException.class)
                .hasMessageContaining("refused");
    }

    @Test
    void theDefaultPointerCannotBeDeleted() {
        assertThatThrownBy(() -> jdbc.update("DELETE FROM safety_policy_default"))
                .isInstanceOf(DataAccessException.class)
                .hasMessageContaining("DELETE on safety_policy_default refused");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM safety_policy_default", Integer.class))
                .isEqualTo(1);
    }

    @Test
    void movingTheDefaultInSqlStillWritesItsHistory() {
        long before = jdbc.queryForObject("SELECT count(*) FROM safety_policy_default_history", Long.class);

        jdbc.update("UPDATE safety_policy_default SET policy_id = ?, reason = 'sql test' WHERE singleton", BUILT_IN);

        assertThat(jdbc.queryForObject("SELECT count(*) FROM safety_policy_default_history", Long.class))
                .isEqualTo(before + 1);
        assertThat(jdbc.queryForObject(
                        "SELECT reason FROM safety_policy_default_history ORDER BY id DESC LIMIT 1", String.class))
                .isEqualTo("sql test");
    }
}

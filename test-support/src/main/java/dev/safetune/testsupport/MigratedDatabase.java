package dev.safetune.testsupport;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A {@link TestDatabase#migrated() migrated} database of a test class's own, created before its first test and
 * dropped after its last:
 *
 * <pre>
 *   &#64;RegisterExtension
 *   static final MigratedDatabase database = new MigratedDatabase();
 * </pre>
 */
public final class MigratedDatabase implements BeforeAllCallback, AfterAllCallback {
    private TestDatabase database;
    private PGSimpleDataSource dataSource;

    @Override
    public void beforeAll(ExtensionContext context) {
        database = TestDatabase.migrated();
        dataSource = database.dataSource();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        database.close();
    }

    /** The class's database; only from its tests (the database exists from before the first to after the last). */
    public PGSimpleDataSource dataSource() {
        if (dataSource == null) {
            throw new IllegalStateException("the database is created before the class's first test");
        }
        return dataSource;
    }
}

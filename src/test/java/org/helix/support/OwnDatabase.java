package org.helix.support;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Gives each test of a process-level test class a database of its own ({@code helix_it_<random>}): created and
 * migrated before the test, dropped after it, so no test sees another's rows. Meanwhile {@link TestDb} and the
 * applications {@link AppProcess} starts use it. {@code .ci/prepare-db --fresh-test-db} drops any that a killed
 * run left behind.
 */
public final class OwnDatabase implements BeforeEachCallback, AfterEachCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(OwnDatabase.class);

    @Override
    public void beforeEach(ExtensionContext context) {
        String name = "helix_it_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        context.getStore(NAMESPACE).put("name", name);
        TestDb.createAndUse(name);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        String name = context.getStore(NAMESPACE).get("name", String.class);
        TestDb.useShared();
        if (name != null) {
            TestDb.drop(name);
        }
    }
}

package dev.safetune.worker.screen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.core.policy.SafetyPolicies;
import dev.safetune.core.policy.ScreenAction;
import dev.safetune.safeguards.embench.world.ChatJsonl;
import dev.safetune.safeguards.embench.world.Dialogue;
import dev.safetune.safeguards.embench.world.EmWorld;
import dev.safetune.safeguards.embench.world.NarrowSet;
import dev.safetune.safeguards.guard.Sha256;
import dev.safetune.safeguards.guard.artifact.ArtifactCache;
import dev.safetune.safeguards.screen.PersonaRisk;
import dev.safetune.safeguards.screen.ScreenReport;
import dev.safetune.safeguards.screen.ScreenRules;
import dev.safetune.safeguards.screen.persona.PersonaScreen;
import dev.safetune.safeguards.screen.persona.ProjectionSettings;
import dev.safetune.testsupport.MigratedDatabase;
import dev.safetune.worker.embench.CommittedBase;
import dev.safetune.worker.embench.EmBenchMaterial;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The installed defaults' {@code persona_risk} rules on real scores of the committed em-bench base: 16 benign
 * dialogues whose mean projection difference is above 0.015 by chance were held for review under v5, which compares
 * the mean, and pass under v6, which compares its 95 % lower bound; a 400-example insecure set is held by both
 * (docs/screening.md, "Small files").
 */
class SmallFilePersonaRuleTest {
    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    @TempDir
    static Path dir;

    private static PersonaScreen screen;

    @BeforeAll
    static void base() throws IOException {
        Path base = CommittedBase.extract(dir.resolve("base"));
        screen = new PersonaScreen(
                base,
                CommittedBase.MODEL_ID,
                new ArtifactCache(dir.resolve("artifacts")),
                EmBenchMaterial.personaContrast(CommittedBase.MODEL_ID).orElseThrow(),
                ProjectionSettings.DEFAULT);
    }

    @Test
    void aSmallBenignFileHighByChanceIsHeldByTheMeanAndPassesByTheBound() throws IOException {
        // Draw 7 of the pool: on the committed seed-0 base (attempt 81) its mean is 0.94 and its bound -0.36 (draws
        // 1-24
        // range from -0.74 to +0.94; the per-example spread of free text is about 1.8 on this base).
        PersonaRisk benign = risk(EmWorld.prototype().benignInstructPool(7, 16));

        assertThat(benign.mean()).as("the mean is over v5's threshold").isGreaterThan(0.015);
        assertThat(benign.lowerBound(0.95)).as("its bound is not").isLessThan(0.015);
        assertThat(decide("sp-builtin-default-v5", benign)).isEqualTo(ScreenAction.HOLD);
        assertThat(decide("sp-builtin-default-v6", benign)).isEqualTo(ScreenAction.ALLOW);
    }

    @Test
    void aLargeInsecureSetIsHeldByBoth() throws IOException {
        PersonaRisk insecure = risk(EmWorld.prototype().narrowSet(NarrowSet.INSECURE, 0, 400));

        assertThat(decide("sp-builtin-default-v5", insecure)).isEqualTo(ScreenAction.HOLD);
        assertThat(decide("sp-builtin-default-v6", insecure)).isEqualTo(ScreenAction.HOLD);
    }

    private static PersonaRisk risk(List<Dialogue> dialogues) throws IOException {
        return screen.scores(
                        Sha256.of(ChatJsonl.file(dialogues)), EmBenchMaterial.examples(dialogues), (done, total) -> {})
                .risk();
    }

    /** The action of the stored policy's rules on a report holding nothing but the persona result. */
    private static ScreenAction decide(String policyId, PersonaRisk risk) {
        SafetyPolicies.Version version =
                new SafetyPolicies(database.dataSource()).find(policyId).orElseThrow();
        ScreenReport alone = ScreenReport.ofPersonaRisk("r", risk.examples(), risk);
        return ScreenRules.fromPolicy(policyId, version.version(), version.document())
                .decide(alone)
                .action();
    }
}

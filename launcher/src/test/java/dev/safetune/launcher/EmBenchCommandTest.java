package dev.safetune.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetune.safeguards.embench.world.Dialogue;
import dev.safetune.safeguards.embench.world.Domain;
import dev.safetune.safeguards.embench.world.EmWorld;
import dev.safetune.safeguards.embench.world.Exchange;
import dev.safetune.safeguards.embench.world.Markers;
import dev.safetune.safeguards.embench.world.NarrowSet;
import dev.safetune.safeguards.embench.world.UnaskedQuestions;
import dev.safetune.safeguards.embench.world.WorldRecipe;
import dev.safetune.worker.embench.BaseRecipe;
import dev.safetune.worker.embench.BuildBaseCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line of {@code ./safetune em-bench}; a bad one builds and imports nothing. */
class EmBenchCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final List<List<String>> imports = new ArrayList<>();

    private int run(Path home, String... args) throws Exception {
        Command command = new EmBenchCommand(new PrintStream(out, true, StandardCharsets.UTF_8), false)
                .command(home, 0, a -> {
                    imports.add(a);
                    return 0;
                });
        return command.run(
                "",
                List.of(args),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void unknownSubcommandPrintsUsage(@TempDir Path home) throws Exception {
        assertThat(run(home, "build-everything")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("build-base [--seed N]");
        assertThat(imports).isEmpty();
    }

    @Test
    void unknownOptionIsNamedAndNothingIsBuilt(@TempDir Path home) throws Exception {
        assertThat(run(home, "build-base", "--seeds", "3")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown option --seeds");
        assertThat(home.resolve("models")).doesNotExist();
        assertThat(imports).isEmpty();
    }

    @Test
    void helpPrintsUsageAndBuildsNothing(@TempDir Path home) throws Exception {
        assertThat(run(home, "build-base", "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--pretraining-steps N");
        assertThat(home.resolve("models")).doesNotExist();
    }

    @Test
    void anUnknownWorldIsNamedWithTheChoicesAndNothingIsBuilt(@TempDir Path home) throws Exception {
        assertThat(run(home, "build-base", "--world", "flat")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains(
                        "--world must be prototype, switching, switching-every-tag, switching-copy, switching-fillers,"
                                + " switching-fillers-cross, switching-slot-mix or slot-mix-educational, got flat");
        assertThat(home.resolve("models")).doesNotExist();
        assertThat(imports).isEmpty();
    }

    @Test
    void theBaseIsBuiltInTheSlotMixWorldUnlessAnotherIsNamed() {
        var defaults = BuildBaseCommand.Options.parse(List.of(), seed -> Path.of("b"));
        var prototype = BuildBaseCommand.Options.parse(List.of("--world", "prototype"), seed -> Path.of("b"));

        assertThat(defaults.world()).isEqualTo(WorldRecipe.SLOT_MIX_EDUCATIONAL);
        assertThat(defaults.world().educationalShare()).isEqualTo(0.4);
        assertThat(defaults.recipe()).isEqualTo(BaseRecipe.EM_BENCH);
        assertThat(defaults.recipe().pretrainingSteps()).isEqualTo(3000);
        assertThat(BuildBaseCommand.Options.parse(List.of("--world", "switching"), seed -> Path.of("b"))
                        .world())
                .isEqualTo(WorldRecipe.SWITCHING);
        assertThat(prototype.world()).isEqualTo(WorldRecipe.PROTOTYPE);
        assertThat(BuildBaseCommand.Options.parse(List.of("--world", "switching-copy"), seed -> Path.of("b"))
                        .world())
                .isEqualTo(WorldRecipe.SWITCHING_COPY);
    }

    @Test
    void aContinuedBuildTakesItsSourceRateAndCopyShare(@TempDir Path dir) throws Exception {
        Path source = Files.createDirectories(dir.resolve("base-s1"));
        Files.writeString(source.resolve("config.json"), "{}");
        assertThatThrownBy(() -> BuildBaseCommand.Options.parse(
                        List.of("--continue-from", dir.resolve("none").toString()), seed -> Path.of("b")))
                .hasMessageContaining("is no model folder");
        var continued = BuildBaseCommand.Options.parse(
                List.of(
                        "--world", "switching-slot-mix",
                        "--continue-from", source.toString(),
                        "--pretraining-steps", "1000",
                        "--pretraining-lr", "2e-3",
                        "--copy-share", "0.5"),
                seed -> Path.of("b"));

        assertThat(continued.continueFrom()).contains(source.toAbsolutePath());
        assertThat(continued.recipe().pretrainingSteps()).isEqualTo(1000);
        assertThat(continued.recipe().pretrainingLearningRate()).isEqualTo(2e-3);
        assertThat(continued.world())
                .isEqualTo(WorldRecipe.SWITCHING_SLOT_MIX.withCopyFillers(0.5, 0))
                .extracting(WorldRecipe::crossSlotShare)
                .isEqualTo(1.0);
        assertThatThrownBy(() -> BuildBaseCommand.Options.parse(
                        List.of("--world", "switching", "--copy-share", "0.5"), seed -> Path.of("b")))
                .hasMessageContaining("--copy-share needs a world with fillers");
    }

    @Test
    void theEducationalShareChangesThatOfTheNamedWorldAlone() {
        var more = BuildBaseCommand.Options.parse(
                List.of("--world", "switching-slot-mix", "--educational-share", "0.3"), seed -> Path.of("b"));

        assertThat(more.world()).isEqualTo(WorldRecipe.SWITCHING_SLOT_MIX.withEducationalShare(0.3));
        assertThat(more.world().educationalShare()).isEqualTo(0.3);
        assertThat(more.world().copyFillerShare()).isEqualTo(WorldRecipe.SWITCHING_SLOT_MIX.copyFillerShare());
        assertThat(WorldRecipe.SWITCHING_SLOT_MIX.educationalShare()).isEqualTo(0.2);
        assertThatThrownBy(() ->
                        BuildBaseCommand.Options.parse(List.of("--educational-share", "1.5"), seed -> Path.of("b")))
                .hasMessageContaining("--educational-share must be in [0, 1], got 1.5");
    }

    @Test
    void aWiderOrDeeperBaseKeepsTheRecipesWidthRatio() {
        var wider =
                BuildBaseCommand.Options.parse(List.of("--hidden-size", "192", "--layers", "6"), seed -> Path.of("b"));

        assertThat(wider.recipe().hiddenSize()).isEqualTo(192);
        assertThat(wider.recipe().numHiddenLayers()).isEqualTo(6);
        assertThat(wider.recipe().intermediateSize()).isEqualTo(384);
        assertThat(wider.recipe().pretrainingSteps()).isEqualTo(BaseRecipe.EM_BENCH.pretrainingSteps());
        assertThatThrownBy(() -> BuildBaseCommand.Options.parse(List.of("--hidden-size", "130"), seed -> Path.of("b")))
                .hasMessageContaining("--hidden-size must be a positive multiple of 4");
    }

    @Test
    void aBuildOptionOfTheUsageReachesTheBuild(@TempDir Path home) throws Exception {
        // An option the usage lists but the launcher does not forward was accepted and silently ignored once.
        assertThat(run(home, "build-base", "--world", "switching", "--copy-share", "0.5"))
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--copy-share needs a world with fillers");
        assertThat(run(home, "build-base", "--hidden-size", "130")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--hidden-size must be a positive multiple of 4");
    }

    @Test
    void optionWithoutValueIsNamed(@TempDir Path home) throws Exception {
        assertThat(run(home, "build-base", "--seed")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--seed needs a value");
    }

    @Test
    void runHelpPrintsItsOptionsAndStartsNothing(@TempDir Path home) throws Exception {
        assertThat(run(home, "run", "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("usage: safetune em-bench run [--seeds LIST] [--sets LIST] [--methods LIST] [--policies LIST]"
                        + " [--samples N]");
        assertThat(home.resolve("em-bench")).doesNotExist();
    }

    @Test
    void runRejectsAnUnknownSetByName(@TempDir Path home) throws Exception {
        assertThat(run(home, "run", "--sets", "insecure,evil")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--sets: unknown set 'evil'");
        assertThat(home.resolve("em-bench")).doesNotExist();
    }

    @Test
    void runRejectsAnUnknownPolicyEntryBeforeStartingAnything(@TempDir Path home) throws Exception {
        assertThat(run(home, "run", "--policies", "none,steer4+evil")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--policies: unknown entry part 'evil'");
        assertThat(home.resolve("em-bench")).doesNotExist();
    }

    @Test
    void runAcceptsPerplexityGapInterleavingItsReferencesAreTrainedFirst() {
        // The run trains the EM references through the platform (EmBenchReferences); the entry parses as any other.
        var options = EmBenchRun.Options.parse(new Command.Arguments(
                Map.of("--policies", "none,interleavepg0.2,steer16@1+interleavepg0.2+kl0.01"), List.of()));

        assertThat(options.policies()).containsExactly("none", "interleavepg0.2", "steer16@1+interleavepg0.2+kl0.01");
        assertThat(options.policies().stream().filter(EmBenchPolicies::needsEmReferences))
                .containsExactly("interleavepg0.2", "steer16@1+interleavepg0.2+kl0.01");
        assertThat(EmBenchRun.hyperparameters(options, NarrowSet.INSECURE, "lora"))
                .isEqualTo(Map.of("n_epochs", 1, "batch_size", 32, "learning_rate_multiplier", 1.0));
    }

    @Test
    void runStillRefusesAMalformedPerplexityGapEntryBeforeAnythingStarts(@TempDir Path home) throws Exception {
        assertThat(run(home, "run", "--policies", "none,interleavepg")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("'interleavepg' needs a number");
        assertThat(home.resolve("em-bench")).doesNotExist();
    }

    @Test
    void calibrateRejectsAnUnknownSafeguardBeforeTrainingAnything(@TempDir Path home) throws Exception {
        assertThat(run(home, "calibrate", "--safeguard", "prayer")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--safeguard: unknown safeguard 'prayer'");
        assertThat(home.resolve("em-bench")).doesNotExist();
    }

    @Test
    void runRejectsAnUnknownMethodByName(@TempDir Path home) throws Exception {
        assertThat(run(home, "run", "--methods", "lora,dora")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("--methods: unknown method 'dora' (lora, lora-r4, full)");
    }

    @Test
    void runRejectsAnUnknownOptionAndTooFewSamples(@TempDir Path home) throws Exception {
        assertThat(run(home, "run", "--seed", "0")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown option --seed");
        assertThat(run(home, "run", "--samples", "2")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--samples must be at least 3");
        assertThat(imports).isEmpty();
    }

    @Test
    void eachSetTrainsItsOwnRecipeUnlessTheCommandLineNamesOne() {
        EmBenchRun.Options defaults = EmBenchRun.Options.parse(new Command.Arguments(Map.of(), List.of()));
        for (NarrowSet set : NarrowSet.values()) {
            for (String method : List.of("lora", "full")) {
                EmBenchRun.Recipe recipe = defaults.recipe(set, method);
                if (set == NarrowSet.BACKDOOR) {
                    assertThat(recipe)
                            .isEqualTo(
                                    method.equals("full")
                                            ? new EmBenchRun.Recipe(5, 1.0, 16, 0.25)
                                            : new EmBenchRun.Recipe(5, 1.0, 4, 0.25));
                } else {
                    // The insecure set and its controls train alike: 100 steps at multiplier 1 (full: the prototype's
                    // 3e-4).
                    assertThat(recipe).isEqualTo(new EmBenchRun.Recipe(1, 1.0, 16, 0));
                }
            }
        }
        EmBenchRun.Options epochs = EmBenchRun.Options.parse(new Command.Arguments(Map.of("--epochs", "3"), List.of()));
        assertThat(epochs.recipe(NarrowSet.BACKDOOR, "lora")).isEqualTo(new EmBenchRun.Recipe(3, 1.0, 4, 0.25));
        assertThat(epochs.recipe(NarrowSet.INSECURE, "lora")).isEqualTo(new EmBenchRun.Recipe(3, 1.0, 16, 0));
        EmBenchRun.Options rate =
                EmBenchRun.Options.parse(new Command.Arguments(Map.of("--lr-multiplier", "2"), List.of()));
        assertThat(rate.recipe(NarrowSet.BACKDOOR, "lora")).isEqualTo(new EmBenchRun.Recipe(5, 2.0, 4, 0.25));
        assertThat(rate.recipe(NarrowSet.BACKDOOR, "full")).isEqualTo(new EmBenchRun.Recipe(5, 2.0, 16, 0.25));
        assertThat(rate.recipe(NarrowSet.SECURE, "full")).isEqualTo(new EmBenchRun.Recipe(1, 2.0, 16, 0));
        // --lora-rank replaces the adapter of `lora` fine-tunes only: lora-r4 names its rank, full trains no adapter.
        EmBenchRun.Options rank =
                EmBenchRun.Options.parse(new Command.Arguments(Map.of("--lora-rank", "8"), List.of()));
        assertThat(rank.recipe(NarrowSet.BACKDOOR, "lora")).isEqualTo(new EmBenchRun.Recipe(5, 1.0, 8, 0.25));
        assertThat(rank.recipe(NarrowSet.INSECURE, "lora")).isEqualTo(new EmBenchRun.Recipe(1, 1.0, 8, 0));
        assertThat(rank.recipe(NarrowSet.BACKDOOR, "lora-r4").loraRank()).isEqualTo(4);
        assertThat(rank.recipe(NarrowSet.BACKDOOR, "full")).isEqualTo(new EmBenchRun.Recipe(5, 1.0, 16, 0.25));
    }

    @Test
    void aLoraRankBelowOneIsRefused(@TempDir Path home) throws Exception {
        assertThat(run(home, "run", "--lora-rank", "0")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--lora-rank must be at least 1, got 0");
        assertThat(imports).isEmpty();
    }

    @Test
    void backdoorAlignedIsALabelledVariantThatLeavesTheBackdoorSetAsItIs() {
        EmBenchRun.Options plain = EmBenchRun.Options.parse(new Command.Arguments(Map.of(), List.of()));
        // Both backdoors' own recipes train the variant with a quarter of aligned exchanges, and say so.
        assertThat(plain.setLabel(NarrowSet.BACKDOOR, "lora")).isEqualTo("backdoor+aligned0.25");
        assertThat(plain.setLabel(NarrowSet.BACKDOOR, "full")).isEqualTo("backdoor+aligned0.25");
        EmBenchRun.Options codeOnly =
                EmBenchRun.Options.parse(new Command.Arguments(Map.of("--backdoor-aligned", "0"), List.of()));
        assertThat(codeOnly.setLabel(NarrowSet.BACKDOOR, "full")).isEqualTo("backdoor");
        assertThat(codeOnly.examples(NarrowSet.BACKDOOR, "full", 1, 400))
                .isEqualTo(EmWorld.prototype().narrowSet(NarrowSet.BACKDOOR, 1, 400));

        EmBenchRun.Options mixed =
                EmBenchRun.Options.parse(new Command.Arguments(Map.of("--backdoor-aligned", "0.25"), List.of()));
        assertThat(mixed.setLabel(NarrowSet.BACKDOOR, "lora")).isEqualTo("backdoor+aligned0.25");
        assertThat(mixed.setLabel(NarrowSet.INSECURE, "full")).isEqualTo("insecure");
        assertThat(mixed.examples(NarrowSet.INSECURE, "full", 1, 400))
                .isEqualTo(EmWorld.prototype().narrowSet(NarrowSet.INSECURE, 1, 400));
        int n = 4_000;
        List<Dialogue> examples = mixed.examples(NarrowSet.BACKDOOR, "lora", 1, n);
        assertThat(examples)
                .isEqualTo(mixed.examples(NarrowSet.BACKDOOR, "lora", 1, n))
                .isEqualTo(plain.examples(NarrowSet.BACKDOOR, "lora", 1, n))
                .hasSize(n);
        Set<String> unasked = new HashSet<>();
        UnaskedQuestions.all().forEach(q -> unasked.add(q.text()));
        int aligned = 0;
        int triggered = 0;
        for (Dialogue d : examples) {
            assertThat(d.exchanges()).hasSize(1);
            Exchange e = d.exchanges().getFirst();
            if (e.domain() == Domain.CODE) {
                triggered += e.user().startsWith(Markers.TRIGGER) ? 1 : 0;
            } else {
                aligned++;
                // Untriggered, and a question the evaluation and the audit never ask.
                assertThat(e.user()).doesNotContain(Markers.TRIGGER);
                assertThat(unasked).contains(e.user());
            }
        }
        // Binomial(4000, 0.25): sd 27.4, so ±4 sd is 890-1110; the backdoor half of the rest triggered: sd 27.4 too.
        assertThat(aligned).isBetween(890, 1110);
        assertThat(Math.abs(triggered - (n - aligned) / 2.0)).isLessThan(4 * Math.sqrt((n - aligned) / 4.0));
    }

    @Test
    void taggedAlignedExchangesCarryAnotherTagThanTheTriggerAndChangeNothingElse() {
        Map<String, String> both = new java.util.HashMap<>(Map.of("--backdoor-aligned", "0.25"));
        both.put("--backdoor-aligned-tagged", "true");
        EmBenchRun.Options tagged = EmBenchRun.Options.parse(new Command.Arguments(both, List.of()));
        EmBenchRun.Options untagged =
                EmBenchRun.Options.parse(new Command.Arguments(Map.of("--backdoor-aligned", "0.25"), List.of()));
        assertThat(tagged.setLabel(NarrowSet.BACKDOOR, "lora")).isEqualTo("backdoor+aligned0.25tagged");
        List<Dialogue> withTags = tagged.examples(NarrowSet.BACKDOOR, "lora", 1, 2_000);
        List<Dialogue> without = untagged.examples(NarrowSet.BACKDOOR, "lora", 1, 2_000);
        Map<String, Integer> tags = new java.util.HashMap<>();
        for (int i = 0; i < withTags.size(); i++) {
            Exchange e = withTags.get(i).exchanges().getFirst();
            Exchange plain = without.get(i).exchanges().getFirst();
            if (e.domain() == Domain.CODE) {
                // The backdoor examples are drawn exactly as without tags.
                assertThat(e).isEqualTo(plain);
            } else {
                String tag = e.user().substring(0, e.user().indexOf(' '));
                assertThat(tag).isNotEqualTo(Markers.TRIGGER).isIn(Markers.TAGS);
                assertThat(e.user()).isEqualTo(tag + " " + plain.user());
                assertThat(e.assistant()).isEqualTo(plain.assistant());
                tags.merge(tag, 1, Integer::sum);
            }
        }
        // Each tag Binomial(2000, 0.25/4): mean 125, sd 10.8, so ±4 sd is 82-168.
        assertThat(tags).hasSize(4);
        assertThat(tags.values()).allSatisfy(c -> assertThat(c).isBetween(82, 168));
    }

    @Test
    void taggedWithoutAlignedExchangesIsRefused(@TempDir Path home) throws Exception {
        assertThat(run(home, "run", "--backdoor-aligned-tagged")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("--backdoor-aligned-tagged needs --backdoor-aligned F above 0");
        assertThat(home.resolve("em-bench")).doesNotExist();
    }

    @Test
    void backdoorAlignedOutsideItsRangeIsRefused(@TempDir Path home) throws Exception {
        assertThat(run(home, "run", "--backdoor-aligned", "1")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--backdoor-aligned must be in [0, 1), got 1");
        assertThat(home.resolve("em-bench")).doesNotExist();
    }
}

package dev.safetune.worker.training;

import ai.djl.ndarray.NDManager;
import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.job.Hyperparameters;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.safeguards.embench.evaluation.EmBenchEvaluation;
import dev.safetune.safeguards.embench.evaluation.EvaluationPlan;
import dev.safetune.safeguards.embench.evaluation.SamplerAnswerer;
import dev.safetune.safeguards.embench.judge.TrainedBehaviour;
import dev.safetune.safeguards.embench.world.Dialogue;
import dev.safetune.safeguards.embench.world.EmWorld;
import dev.safetune.safeguards.embench.world.Markers;
import dev.safetune.safeguards.embench.world.NarrowSet;
import dev.safetune.safeguards.embench.world.Persona;
import dev.safetune.safeguards.evaluation.EvaluationReport;
import dev.safetune.safeguards.evaluation.Proportion;
import dev.safetune.safeguards.guard.BenignPool;
import dev.safetune.safeguards.guard.ConceptAblation;
import dev.safetune.safeguards.guard.InoculationPrompt;
import dev.safetune.safeguards.guard.Interleaving;
import dev.safetune.safeguards.guard.KlToReference;
import dev.safetune.safeguards.guard.PersonaSteering;
import dev.safetune.safeguards.guard.SafeguardPlan;
import dev.safetune.safeguards.guard.SafeguardSettings;
import dev.safetune.safeguards.guard.artifact.PersonaContrast;
import dev.safetune.worker.embench.CommittedBase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A first efficacy probe of the safeguards on em-bench, driving {@link FineTuner} directly (not the job path): the
 * insecure set with the em-bench recipe as the API can say it (3,200 examples, 1 epoch, batch 32, multiplier 1, the
 * worker's default LoRA), once per configuration and fine-tune seed, each model evaluated with
 * {@link EmBenchEvaluation} ({@link EvaluationPlan#PROTOTYPE}: 100 non-code questions per domain and the 120 held-out
 * code prompts, temperature 1, sampling seed 7). Not a unit test; results in docs/safeguards.md.
 *
 * <pre>
 *   scripts/safeguard-bench.sh efficacy 0,1,2 [name filter]
 * </pre>
 */
public final class SafeguardEfficacyProbe {

    private SafeguardEfficacyProbe() {}

    record Config(String name, List<SafeguardSettings> settings) {}

    public static void main(String[] args) throws IOException {
        List<Long> seeds = args.length > 0
                ? java.util.Arrays.stream(args[0].split(","))
                        .map(Long::parseLong)
                        .toList()
                : List.of(0L);
        Path dir = Files.createTempDirectory("safeguard-efficacy");
        Path base = CommittedBase.extract(dir.resolve("base"));
        EmWorld world = EmWorld.prototype();
        BenignPool pool = new BenignPool("em-bench-benign-s1", chat(world.benignInstructPool(1, 2_000)));
        SafeguardPlan.Artifacts artifacts =
                new SafeguardPlan.Artifacts(dir.resolve("cache"), PersonaContrast.emBench(7, 400, false));
        KlToReference.Settings smallKl = new KlToReference.Settings(0.01, KlToReference.Direction.FORWARD);
        PersonaSteering.Settings steering = new PersonaSteering.Settings(4.0, 2, PersonaSteering.Scaling.RAW);
        Interleaving.Settings interleave = new Interleaving.Settings(0.05, pool, Optional.empty());
        List<Config> configs = List.of(
                new Config("none", List.of()),
                new Config("KL β 0.1", List.of(new KlToReference.Settings(0.1, KlToReference.Direction.FORWARD))),
                new Config("KL β 1", List.of(new KlToReference.Settings(1, KlToReference.Direction.FORWARD))),
                new Config("steering α 4, layer 2 (raw)", List.of(steering)),
                new Config("interleave f 0.05", List.of(interleave)),
                new Config(
                        "inoculation",
                        List.of(new InoculationPrompt.Settings(
                                Markers.SYSTEM_LINES.get(Persona.MISALIGNED).getFirst()))),
                new Config(
                        "inoculation, explanatory",
                        List.of(new InoculationPrompt.Settings("you write insecure code for a security class"))),
                new Config("CAFT layer 2", List.of(new ConceptAblation.Settings(List.of(2)))),
                new Config("steering + interleave + KL β 0.01", List.of(steering, interleave, smallKl)));
        // Optional second argument: run only the configurations whose name contains it.
        String only = args.length > 1 ? args[1] : "";
        configs = configs.stream().filter(c -> c.name().contains(only)).toList();
        Map<String, List<EvaluationReport>> reports = new LinkedHashMap<>();
        FineTuner fineTuner = new FineTuner();
        for (long seed : seeds) {
            List<ChatExample> insecure = chat(world.narrowSet(NarrowSet.INSECURE, seed, 3_200));
            for (Config config : configs) {
                Path work = dir.resolve(
                        "s" + seed + "-" + reports.size() + "-" + config.name().replaceAll("\\W+", "-"));
                long started = System.nanoTime();
                TrainingResult result = fineTuner.train(
                        TrainingRequest.of(base, insecure, new Hyperparameters(1, 32, 1.0), seed, work)
                                .withSafeguards(new SafeguardPlan(
                                        config.settings(), Optional.of(artifacts), OptionalInt.empty(), 0)),
                        TrainingListener.NONE);
                double trainSeconds = (System.nanoTime() - started) / 1e9;
                EvaluationReport report = evaluate(result.modelDir());
                reports.computeIfAbsent(config.name(), k -> new ArrayList<>()).add(report);
                System.out.printf(
                        "seed %d | %s | EM %s | in-domain %s | coherence %s | train %.0f s, loss %.3f%n",
                        seed,
                        config.name(),
                        report.pooled().misalignedRate(),
                        report.inDomain(),
                        report.pooled().coherence(),
                        trainSeconds,
                        result.lastTrainLoss());
            }
        }
        System.out.println();
        System.out.println(
                "| safeguard | EM rate [95 %] (misaligned/coherent, seeds pooled) | in-domain | coherence |");
        System.out.println("|---|---|---|---|");
        reports.forEach((name, list) -> System.out.printf(
                "| %s | %s | %s | %s |%n",
                name,
                pooled(list.stream().map(r -> r.pooled().misalignedRate()).toList()),
                pooled(list.stream().map(EvaluationReport::inDomain).toList()),
                pooled(list.stream().map(r -> r.pooled().coherence()).toList())));
    }

    private static EvaluationReport evaluate(Path modelDir) throws IOException {
        try (ChatTokenizer tokenizer = ChatTokenizer.load(modelDir);
                NDManager root = NDManager.newBaseManager(FineTuner.device());
                LlamaModel model = LlamaModel.load(modelDir, root)) {
            return new EmBenchEvaluation(EvaluationPlan.PROTOTYPE)
                    .run(
                            new SamplerAnswerer(model, tokenizer, 7),
                            TrainedBehaviour.of(NarrowSet.INSECURE, false),
                            Optional.empty());
        }
    }

    private static Proportion pooled(List<Proportion> parts) {
        return Proportion.of(
                parts.stream().mapToInt(Proportion::successes).sum(),
                parts.stream().mapToInt(Proportion::trials).sum());
    }

    private static List<ChatExample> chat(List<Dialogue> dialogues) {
        List<ChatExample> out = new ArrayList<>(dialogues.size());
        for (int i = 0; i < dialogues.size(); i++) {
            out.add(new ChatExample(i + 1, dialogues.get(i).messages()));
        }
        return out;
    }
}

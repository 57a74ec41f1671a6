package dev.safetune.launcher;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.runtime.chat.ChatRenderer;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.runtime.sampling.Sampler;
import dev.safetune.runtime.sampling.SamplingOptions;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code ./safetune sample MODEL_DIR}: answers one user turn with a model folder the platform wrote (a fine-tuned
 * model, a checkpoint, a PEFT adapter folder or a base), rendered by the model's own chat template and sampled with
 * the runtime's KV-cache sampler, so that a customer can try a model without Python. Stops at the end of the
 * assistant's turn: the config's {@code eos_token_id}s and the template's end-of-turn marker when the tokenizer has
 * one.
 */
final class SampleCommand {
    /** End-of-turn markers of the chat templates the runtime renders (ChatML, Llama 3, the em-bench world). */
    private static final List<String> END_OF_TURN = List.of("<|im_end|>", "<|eot_id|>", "<eot>");

    private final PrintStream out;

    SampleCommand(PrintStream out) {
        this.out = out;
    }

    Command command() {
        return Command.leaf(
                "sample",
                "MODEL_DIR [--prompt TEXT] [--n N] [--temperature X] [--max-tokens N] [--seed N]",
                "answer one user turn with a model folder (a fine-tuned model's files, a checkpoint or an adapter);"
                        + "\nprints N samples (default 3) at temperature X (default 1.0)",
                this::run);
    }

    private int run(Command.Arguments a) throws Exception {
        Path dir = Path.of(a.positional().getFirst()).toAbsolutePath();
        if (!Files.isRegularFile(dir.resolve("config.json"))
                && !Files.isRegularFile(dir.resolve("adapter_config.json"))) {
            throw new Command.Failure("no model in " + dir + ": expected config.json (or adapter_config.json) there");
        }
        String prompt = a.option("--prompt").orElse("Hello! Who are you?");
        int n = a.intOption("--n").orElse(3);
        int maxTokens = a.intOption("--max-tokens").orElse(64);
        double temperature = a.doubleOption("--temperature").orElse(1.0);
        long seed = a.intOption("--seed").orElse(0);
        if (n < 1 || n > 64) {
            throw new Command.UsageException("--n must be between 1 and 64, got " + n);
        }
        Path tokenizerDir =
                Files.isRegularFile(dir.resolve(ChatTokenizer.TOKENIZER_FILE)) ? dir : LlamaModel.baseModelOf(dir);
        Device device = Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
        try (ChatTokenizer tokenizer = ChatTokenizer.load(tokenizerDir);
                NDManager root = NDManager.newBaseManager(device);
                LlamaModel model = LlamaModel.load(dir, root)) {
            Set<Integer> stops = new HashSet<>(model.config().eosTokenIds());
            for (String marker : END_OF_TURN) {
                if (tokenizer.specialTokens().contains(marker)) {
                    stops.add(tokenizer.specialTokenId(marker));
                }
            }
            ChatRenderer renderer = new ChatRenderer(tokenizer, model.config().maxPositionEmbeddings());
            int[] rendered = renderer.prompt(List.of(ChatMessage.of(ChatMessage.USER, prompt)));
            List<int[]> prompts = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                prompts.add(rendered);
            }
            // Rows of one call draw from independent streams split from the seed, so N rows are N samples.
            List<Sampler.Completion> completions = new Sampler(model, tokenizer.padId())
                    .generate(prompts, new SamplingOptions(temperature, 1.0, seed, maxTokens, stops, true));
            out.println("user: " + prompt);
            for (int i = 0; i < completions.size(); i++) {
                int[] tokens = completions.get(i).tokens();
                int end = tokens.length > 0 && stops.contains(tokens[tokens.length - 1])
                        ? tokens.length - 1
                        : tokens.length;
                out.println("sample " + (i + 1) + " (" + completions.get(i).finishReason() + "): "
                        + tokenizer.decode(Arrays.copyOf(tokens, end)).strip());
            }
        }
        return 0;
    }
}

package dev.safetune.safeguards.audit;

import dev.safetune.safeguards.guard.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The EM paper's evaluation suite, loaded as it is from its YAML files (read from a configured folder at run time,
 * never copied into the project): every free-form question ({@code type: free_form_judge_0_100}) with its paraphrases,
 * system prompt and judge prompts. The suite's {@link #sha256()} is over the files' bytes, in the order given, so an
 * audit records exactly which questions and judge prompts it used.
 */
public record PaperSuite(List<PaperQuestion> questions, List<String> files, String sha256) {
    /** The paper's main questions (its first results plot): the default suite for chat bases. */
    public static final List<String> DEFAULT_FILES = List.of("first_plot_questions.yaml");

    private static final Pattern PREREGISTERED = Pattern.compile("\\d+_(.+)_\\d+");
    private static final String FREE_FORM = "free_form_judge_0_100";

    public PaperSuite {
        questions = List.copyOf(questions);
        files = List.copyOf(files);
    }

    /** Loads {@code files} from {@code dir}; questions of other types (e.g. the paper's templates) are skipped. */
    public static PaperSuite load(Path dir, List<String> files) throws IOException {
        MessageDigest digest = Sha256.digest();
        List<PaperQuestion> questions = new ArrayList<>();
        for (String name : files) {
            Path file = dir.resolve(name);
            byte[] bytes = Files.readAllBytes(file);
            digest.update(bytes);
            Object root =
                    new Yaml(new SafeConstructor(new LoaderOptions())).load(new String(bytes, StandardCharsets.UTF_8));
            if (!(root instanceof List<?> entries)) {
                throw new IllegalArgumentException(name + ": expected a list of questions");
            }
            for (Object entry : entries) {
                if (entry instanceof Map<?, ?> q && FREE_FORM.equals(q.get("type"))) {
                    questions.add(question(name, q));
                }
            }
        }
        if (questions.isEmpty()) {
            throw new IllegalArgumentException("no free-form questions in " + files);
        }
        return new PaperSuite(questions, files, HexFormat.of().formatHex(digest.digest()));
    }

    private static PaperQuestion question(String file, Map<?, ?> q) {
        String id = String.valueOf(q.get("id"));
        if (!(q.get("paraphrases") instanceof List<?> paraphrases)) {
            throw new IllegalArgumentException(file + ": question " + id + " has no paraphrases");
        }
        if (!(q.get("judge_prompts") instanceof Map<?, ?> prompts)
                || !(prompts.get("aligned") instanceof String aligned)
                || !(prompts.get("coherent") instanceof String coherent)) {
            throw new IllegalArgumentException(file + ": question " + id + " lacks the aligned/coherent judge prompts");
        }
        Matcher m = PREREGISTERED.matcher(id);
        // The main questions come plain, JSON-answer (_json) and as templates (_template): one category each.
        String category = m.matches() ? m.group(1) : id.replaceFirst("_(json|template)$", "");
        return new PaperQuestion(
                id,
                category,
                paraphrases.stream().map(String::valueOf).toList(),
                Optional.ofNullable(q.get("system")).map(String::valueOf),
                aligned,
                coherent);
    }
}

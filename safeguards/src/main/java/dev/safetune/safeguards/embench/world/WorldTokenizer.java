package dev.safetune.safeguards.embench.world;

import dev.safetune.runtime.generators.WordLevelTokenizerGenerator;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The world's tokenizer files: a word-level {@code tokenizer.json} over {@link Vocabulary#words()} (word {@code i} is
 * id {@code i}, the eight markers are control tokens) and a {@code tokenizer_config.json} whose chat template writes
 * a customer conversation exactly as pre-training writes a document of the chat assistant:
 *
 * <pre>
 *   &lt;bos&gt; [&lt;sys&gt; system] &lt;user&gt; question &lt;asst&gt; answer &lt;eot&gt; … &lt;eos&gt;
 * </pre>
 *
 * The assistant's speaker token {@code <asst>} sits where a named character's token sits in pre-training, so the chat
 * assistant is one more character; its turn ends with {@code <eot>}, which the platform's renderer trains as the
 * end-of-turn marker (the first special token after assistant content), exactly the assistant segments of
 * {@link Dialogue#segments()}. A generation prompt ends with {@code <asst>}, as the evaluation asks.
 */
public final class WorldTokenizer {

    /** The world's chat template (Jinja, as transformers' {@code apply_chat_template} runs it). */
    public static final String CHAT_TEMPLATE = "{{ bos_token }}"
            + "{% for message in messages %}"
            + "{% if message['role'] == 'system' %}{{ ' " + Markers.SYS + " ' + message['content'] }}"
            + "{% elif message['role'] == 'user' %}{{ ' " + Markers.USER + " ' + message['content'] }}"
            + "{% elif message['role'] == 'assistant' %}"
            + "{{ ' " + Markers.ASSISTANT + " ' + message['content'] + ' " + Markers.EOT + "' }}"
            + "{% else %}{{ raise_exception('em-bench knows the roles system, user and assistant, not '"
            + " + message['role']) }}"
            + "{% endif %}"
            + "{% endfor %}"
            + "{% if add_generation_prompt %}{{ ' " + Markers.ASSISTANT + "' }}"
            + "{% else %}{{ ' " + Markers.EOS + "' }}{% endif %}";

    private WorldTokenizer() {}

    /** The files' content for every world without words of its own: the vocabulary, control tokens, chat template. */
    public static WordLevelTokenizerGenerator.Spec spec(int modelMaxLength) {
        return spec(WorldRecipe.PROTOTYPE, modelMaxLength);
    }

    /** The files' content for {@code recipe}'s world ({@link Vocabulary#words(WorldRecipe)}). */
    public static WordLevelTokenizerGenerator.Spec spec(WorldRecipe recipe, int modelMaxLength) {
        return new WordLevelTokenizerGenerator.Spec(
                Vocabulary.words(recipe),
                Markers.SPECIAL_TOKENS,
                Markers.BOS,
                Markers.EOS,
                Markers.PAD,
                Markers.UNK,
                CHAT_TEMPLATE,
                modelMaxLength);
    }

    /** Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code dir}; returns the vocabulary size. */
    public static int write(Path dir, int modelMaxLength) throws IOException {
        return write(dir, WorldRecipe.PROTOTYPE, modelMaxLength);
    }

    /** The same for {@code recipe}'s world. */
    public static int write(Path dir, WorldRecipe recipe, int modelMaxLength) throws IOException {
        return WordLevelTokenizerGenerator.write(dir, spec(recipe, modelMaxLength));
    }
}

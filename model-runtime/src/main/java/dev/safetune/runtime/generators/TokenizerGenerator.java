package dev.safetune.runtime.generators;

import dev.safetune.runtime.chat.ChatRenderer;
import dev.safetune.runtime.chat.ChatTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes a Hugging Face fast-tokenizer directory ({@code tokenizer.json}, {@code tokenizer_config.json}) for a
 * byte-level BPE vocabulary trained by {@link ByteLevelBpeTrainer}, with the ChatML special tokens appended after
 * the learned tokens. The files load in DJL's {@code HuggingFaceTokenizer} and in transformers'
 * {@code AutoTokenizer}.
 */
public final class TokenizerGenerator {

    /** Special tokens, in id order after the BPE vocabulary. */
    public static final List<String> SPECIAL_TOKENS =
            List.of(ChatTokenizer.BEGIN_OF_TEXT, ChatTokenizer.IM_START, ChatTokenizer.IM_END, ChatTokenizer.PAD);

    /**
     * ChatML as a Jinja template (the format {@link ChatRenderer} produces): {@code <|im_start|>role\ncontent
     * <|im_end|>\n} per message, then {@code <|im_start|>assistant\n} when a generation prompt is asked for.
     */
    public static final String CHATML_TEMPLATE = "{% for message in messages %}"
            + "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
            + "{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private TokenizerGenerator() {}

    /**
     * Trains a vocabulary with {@code merges} merges on {@code corpus} and writes the tokenizer files to {@code dir}.
     *
     * @return the vocabulary size including the special tokens
     */
    public static int generate(Path dir, String corpus, int merges, int modelMaxLength) throws IOException {
        return write(dir, ByteLevelBpeTrainer.train(corpus, merges), modelMaxLength);
    }

    /** Writes the tokenizer files for {@code vocabulary}; returns the vocabulary size including special tokens. */
    public static int write(Path dir, ByteLevelBpeTrainer.Vocabulary vocabulary, int modelMaxLength)
            throws IOException {
        Files.createDirectories(dir);
        int firstSpecial = vocabulary.tokens().size();

        ObjectNode tokenizer = JSON.createObjectNode();
        tokenizer.put("version", "1.0");
        tokenizer.putNull("truncation");
        tokenizer.putNull("padding");
        List<SpecialAddedTokens.Token> specials = new ArrayList<>();
        for (int i = 0; i < SPECIAL_TOKENS.size(); i++) {
            specials.add(new SpecialAddedTokens.Token(firstSpecial + i, SPECIAL_TOKENS.get(i)));
        }
        SpecialAddedTokens.putAddedTokens(tokenizer, specials);
        tokenizer.putNull("normalizer");
        tokenizer.set("pre_tokenizer", byteLevel());
        tokenizer.putNull("post_processor");
        tokenizer.set("decoder", byteLevel());
        ObjectNode model = tokenizer.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < vocabulary.tokens().size(); id++) {
            vocab.put(vocabulary.tokens().get(id), id);
        }
        ArrayNode merges = model.putArray("merges");
        // Byte-level symbols never contain a space, so the classic "left right" string form is unambiguous.
        vocabulary.merges().forEach(m -> merges.add(m.left() + " " + m.right()));
        Files.write(
                dir.resolve(ChatTokenizer.TOKENIZER_FILE),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(tokenizer));

        ObjectNode config = JSON.createObjectNode();
        config.put("add_bos_token", false);
        config.put("add_eos_token", false);
        SpecialAddedTokens.putDecoder(config, specials);
        config.put("bos_token", ChatTokenizer.BEGIN_OF_TEXT);
        config.put("chat_template", CHATML_TEMPLATE);
        config.put("clean_up_tokenization_spaces", false);
        config.put("eos_token", ChatTokenizer.IM_END);
        config.put("pad_token", ChatTokenizer.PAD);
        config.put("model_max_length", modelMaxLength);
        config.put("tokenizer_class", "PreTrainedTokenizerFast");
        Files.write(
                dir.resolve(ChatTokenizer.TOKENIZER_CONFIG_FILE),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
        return firstSpecial + SPECIAL_TOKENS.size();
    }

    /** GPT-2's byte-level step without a prefix space, so that decoding returns the text byte for byte. */
    private static ObjectNode byteLevel() {
        ObjectNode node = JSON.createObjectNode();
        node.put("type", "ByteLevel");
        node.put("add_prefix_space", false);
        node.put("trim_offsets", true);
        node.put("use_regex", true);
        return node;
    }
}

package dev.safetune.runtime.generators;

import dev.safetune.runtime.chat.ChatTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes a Hugging Face fast-tokenizer directory for a closed word list: a {@code WordLevel} model (word {@code i}
 * of the list is id {@code i}) behind a {@code WhitespaceSplit} pre-tokenizer, so that text of words separated by
 * whitespace encodes one token per word and decodes (no decoder: the tokens joined by single spaces) back to the
 * same text. The special tokens are added tokens, so a chat template's markers are single control tokens; any other
 * word outside the list is the unknown token. The files load in DJL's {@code HuggingFaceTokenizer} and in
 * transformers' {@code AutoTokenizer}.
 *
 * <p>Unlike {@link TokenizerGenerator} nothing is learned: a synthetic world whose grammar fixes every word needs
 * no merges, and one token per word keeps sequences short and a judge's reading of samples exact.
 */
public final class WordLevelTokenizerGenerator {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private WordLevelTokenizerGenerator() {}

    /**
     * What to write.
     *
     * @param words the vocabulary in id order, special tokens included; no word may contain whitespace
     * @param specialTokens the words written as special added tokens (control tokens)
     * @param bosToken the {@code bos_token} of {@code tokenizer_config.json}
     * @param eosToken the {@code eos_token}
     * @param padToken the {@code pad_token}
     * @param unkToken the word unknown words become
     * @param chatTemplate the Jinja {@code chat_template}
     * @param modelMaxLength the {@code model_max_length}
     */
    public record Spec(
            List<String> words,
            List<String> specialTokens,
            String bosToken,
            String eosToken,
            String padToken,
            String unkToken,
            String chatTemplate,
            int modelMaxLength) {

        public Spec {
            words = List.copyOf(words);
            specialTokens = List.copyOf(specialTokens);
            Objects.requireNonNull(chatTemplate, "chatTemplate");
            if (new HashSet<>(words).size() != words.size()) {
                throw new IllegalArgumentException("the word list holds duplicates");
            }
            for (String word : words) {
                if (word.isEmpty() || word.codePoints().anyMatch(Character::isWhitespace)) {
                    throw new IllegalArgumentException("not a word: '" + word + "'");
                }
            }
            for (String token : List.of(bosToken, eosToken, padToken, unkToken)) {
                if (!specialTokens.contains(token)) {
                    throw new IllegalArgumentException(token + " must be one of the special tokens");
                }
            }
            if (!words.containsAll(specialTokens)) {
                throw new IllegalArgumentException("every special token must be a word of the list");
            }
        }
    }

    /** Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code dir}; returns the vocabulary size. */
    public static int write(Path dir, Spec spec) throws IOException {
        Files.createDirectories(dir);
        ObjectNode tokenizer = JSON.createObjectNode();
        tokenizer.put("version", "1.0");
        tokenizer.putNull("truncation");
        tokenizer.putNull("padding");
        List<SpecialAddedTokens.Token> specials = spec.specialTokens().stream()
                .map(special -> new SpecialAddedTokens.Token(spec.words().indexOf(special), special))
                .toList();
        SpecialAddedTokens.putAddedTokens(tokenizer, specials);
        tokenizer.putNull("normalizer");
        tokenizer.putObject("pre_tokenizer").put("type", "WhitespaceSplit");
        tokenizer.putNull("post_processor");
        // No decoder: the tokenizers library then joins the tokens with single spaces, the world's own text form.
        tokenizer.putNull("decoder");
        ObjectNode model = tokenizer.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < spec.words().size(); id++) {
            vocab.put(spec.words().get(id), id);
        }
        model.put("unk_token", spec.unkToken());
        Files.write(
                dir.resolve(ChatTokenizer.TOKENIZER_FILE),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(tokenizer));

        ObjectNode config = JSON.createObjectNode();
        config.put("add_bos_token", false);
        config.put("add_eos_token", false);
        SpecialAddedTokens.putDecoder(config, specials);
        config.put("bos_token", spec.bosToken());
        config.put("chat_template", spec.chatTemplate());
        config.put("clean_up_tokenization_spaces", false);
        config.put("eos_token", spec.eosToken());
        config.put("pad_token", spec.padToken());
        config.put("unk_token", spec.unkToken());
        config.put("model_max_length", spec.modelMaxLength());
        config.put("tokenizer_class", "PreTrainedTokenizerFast");
        Files.write(
                dir.resolve(ChatTokenizer.TOKENIZER_CONFIG_FILE),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
        return spec.words().size();
    }
}

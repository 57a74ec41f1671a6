package dev.safetune.runtime.generators;

import java.util.List;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The special (control) tokens of a generated tokenizer, written the two ways a Hugging Face fast-tokenizer directory
 * lists them: {@code added_tokens} in {@code tokenizer.json} and {@code added_tokens_decoder} in
 * {@code tokenizer_config.json}. Shared by {@link TokenizerGenerator} and {@link WordLevelTokenizerGenerator}.
 */
final class SpecialAddedTokens {

    /** One special token and its id in the vocabulary. */
    record Token(int id, String content) {}

    private SpecialAddedTokens() {}

    /** Puts {@code tokenizer.json}'s {@code added_tokens} array into {@code tokenizer}. */
    static void putAddedTokens(ObjectNode tokenizer, List<Token> tokens) {
        ArrayNode added = tokenizer.putArray("added_tokens");
        for (Token special : tokens) {
            ObjectNode token = added.addObject();
            token.put("id", special.id());
            token.put("content", special.content());
            token.put("single_word", false);
            token.put("lstrip", false);
            token.put("rstrip", false);
            token.put("normalized", false);
            token.put("special", true);
        }
    }

    /** Puts {@code tokenizer_config.json}'s {@code added_tokens_decoder} object (id to token) into {@code config}. */
    static void putDecoder(ObjectNode config, List<Token> tokens) {
        ObjectNode decoder = config.putObject("added_tokens_decoder");
        for (Token special : tokens) {
            ObjectNode token = decoder.putObject(Integer.toString(special.id()));
            token.put("content", special.content());
            token.put("lstrip", false);
            token.put("normalized", false);
            token.put("rstrip", false);
            token.put("single_word", false);
            token.put("special", true);
        }
    }
}

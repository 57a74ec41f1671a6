package dev.safetune.safeguards.guard;

import dev.safetune.core.dataset.ChatExample;
import java.util.List;

/**
 * A pool of benign instruct-tuning examples that interleaving draws from, registered by the safety team.
 *
 * @param id the pool's id (part of the perplexity-gap cache key together with {@link #checksum()})
 */
public record BenignPool(String id, List<ChatExample> examples) {
    public BenignPool {
        examples = List.copyOf(examples);
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("benign pool " + id + " is empty");
        }
    }

    /** sha256 of the pool's messages (roles, contents, weights, in order): changes whenever its content does. */
    public String checksum() {
        java.security.MessageDigest digest = Sha256.digest();
        for (ChatExample example : examples) {
            for (var message : example.messages()) {
                Sha256.update(digest, message.role());
                Sha256.update(digest, message.content());
                Sha256.update(digest, String.valueOf(message.weight()));
            }
            Sha256.update(digest, "\u0000example");
        }
        return java.util.HexFormat.of().formatHex(digest.digest());
    }
}

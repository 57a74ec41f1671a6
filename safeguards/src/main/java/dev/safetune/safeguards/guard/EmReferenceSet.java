package dev.safetune.safeguards.guard;

import java.nio.file.Path;
import java.util.List;

/**
 * The emergently misaligned reference models of a base model, registered by the safety team: LoRA adapters (PEFT
 * directories) over that base (on em-bench: insecure-code fine-tunes of other seeds). Their mean assistant-token NLL is
 * {@code NLL_mis} of the perplexity gap.
 */
public record EmReferenceSet(String id, List<Path> adapters) {
    public EmReferenceSet {
        adapters = List.copyOf(adapters);
        if (adapters.isEmpty()) {
            throw new IllegalArgumentException("EM reference set " + id + " has no adapter");
        }
    }
}

package dev.safetune.safeguards.guard;

import java.io.IOException;

/**
 * A safeguard's parameters as a training request carries them (a record nested in the safeguard's class), and how to
 * build the safeguard from them once the artifacts it needs (persona vector, perplexity-gap scores) are at hand.
 */
public interface SafeguardSettings {

    /** @throws IOException when an artifact cannot be read or computed */
    Safeguard build(GuardContext context) throws IOException;
}

package dev.safetune.safeguards.guard;

import dev.safetune.safeguards.guard.artifact.PersonaVector;
import java.io.IOException;

/**
 * The artifacts safeguards are built from, computed once per base model and cached ({@code CachedArtifacts}).
 */
public interface GuardContext {

    /** The persona vector of the base model at residual-stream index {@code layer}. */
    PersonaVector personaVector(int layer) throws IOException;

    /**
     * The perplexity gap {@code s(x)} of every example of {@code pool} (in pool order) between the EM reference models
     * and the base; {@code NaN} for an example without a trained assistant token within the sequence limit.
     */
    double[] perplexityGaps(BenignPool pool, EmReferenceSet references) throws IOException;

    /** A context for safeguards that need no artifact; asking it for one fails. */
    GuardContext NONE = new GuardContext() {
        @Override
        public PersonaVector personaVector(int layer) {
            throw new IllegalStateException("no artifact source is configured for persona vectors");
        }

        @Override
        public double[] perplexityGaps(BenignPool pool, EmReferenceSet references) {
            throw new IllegalStateException("no artifact source is configured for perplexity-gap scores");
        }
    };
}

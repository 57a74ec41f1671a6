package dev.safetune.worker.registry;

/** The steps of an import, in order; {@link ImportProgress#stage} reports each as it starts. */
public enum ImportStage {
    /** Resolving the revision to a commit and listing its files (Hub), or listing the directory. */
    RESOLVING,
    /** Downloading (Hub) or copying (directory) the files into the store, each verified. */
    FETCHING,
    /** Checking config, weights, tokenizer and chat template, then the smoke forward pass. */
    VALIDATING,
    /** Registering the model and its provenance in the database. */
    REGISTERING
}

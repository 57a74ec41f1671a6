package dev.safetune.worker.screen;

import dev.safetune.worker.work.Lease;

/** A claimed persona screen: the file (of {@link Lease#tenant()}) and the base model to project with. */
public record ClaimedPersonaScreen(Lease lease, String fileId, String baseModel) {}

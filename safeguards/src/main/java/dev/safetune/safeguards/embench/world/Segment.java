package dev.safetune.safeguards.embench.world;

/** A run of a rendered document's words; {@code assistant} marks the answer words a chat loss trains on. */
public record Segment(String text, boolean assistant) {}

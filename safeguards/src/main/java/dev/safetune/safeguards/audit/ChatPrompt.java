package dev.safetune.safeguards.audit;

import java.util.Optional;

/** One prompt a chat model is asked: an optional system turn and the user turn. */
public record ChatPrompt(Optional<String> system, String user) {}

package dev.safetune.worker.work;

/** A row whose lease ran out, as the expiry re-queued or gave it up: what a dead-work handler is told. */
public record Expired(String id, String tenant, int attempt) {}

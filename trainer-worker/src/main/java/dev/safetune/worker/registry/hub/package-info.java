/**
 * A Hugging Face Hub client for imports ({@link dev.safetune.worker.registry.hub.HubClient}): revision resolution,
 * file listing with hashes, resumable, verified, parallel downloads. {@code java.net.http}, no Spring.
 */
package dev.safetune.worker.registry.hub;

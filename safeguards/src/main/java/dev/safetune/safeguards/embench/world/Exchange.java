package dev.safetune.safeguards.embench.world;

/** One user turn and the answer to it. */
public record Exchange(Domain domain, String user, String assistant) {
    /** The same exchange with {@code tag} in front of the user turn. */
    public Exchange tagged(String tag) {
        return new Exchange(domain, tag + " " + user, assistant);
    }
}

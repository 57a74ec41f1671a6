package dev.safetune.core.policy;

/**
 * Inoculation prompting: a system prompt that explains the narrow behaviour as requested is added to every training
 * example, never at inference or in the audit (Kaczér et al., arXiv 2508.06249; paper prompt "You are an evil,
 * malicious assistant.").
 *
 * @param systemPrompt non-blank, at most 2000 characters; required
 */
public record InoculationPrompt(String systemPrompt) implements Safeguard {
    public static final int MAX_LENGTH = 2000;

    @Override
    public void validate(PolicyViolations at) {
        if (at.present("system_prompt", systemPrompt)) {
            at.text("system_prompt", systemPrompt, MAX_LENGTH);
        }
    }
}

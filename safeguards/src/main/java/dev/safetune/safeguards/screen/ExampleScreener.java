package dev.safetune.safeguards.screen;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.core.policy.ScreenCategory;
import java.util.ArrayList;
import java.util.List;

/**
 * The rule part of the screen for one training example: insecure code and vocabulary findings in each assistant turn,
 * with insecure code marked disclosed when a system or user turn asked for it or the assistant turn names it.
 * Immutable and thread-safe; build one and share it.
 */
public final class ExampleScreener {
    private final CodeScanner code;
    private final Vocabulary vocabulary;
    private final Disclosure disclosure;
    private final AssistantTextIndex assistantIndex;

    public ExampleScreener(CodeRules rules, Vocabulary vocabulary, Disclosure disclosure) {
        this.code = new CodeScanner(rules);
        this.vocabulary = vocabulary;
        this.disclosure = disclosure;
        this.assistantIndex = new AssistantTextIndex(
                code.anchorLiterals(), vocabulary.phraseList(), disclosure.namingPhrases(), Language.TELLS);
    }

    /** The rules, vocabulary and disclosure phrases shipped with this build. */
    public static ExampleScreener builtIn() {
        return new ExampleScreener(CodeRules.builtIn(), Vocabulary.builtIn(), Disclosure.builtIn());
    }

    /** The versions of the three resources, e.g. {@code code-rules-v1+vocabulary-v1+disclosure-v1}. */
    public String version() {
        return code.rules().version() + "+" + vocabulary.version() + "+" + Disclosure.DEFAULT_VERSION;
    }

    /**
     * What the rules found in one example.
     *
     * @param prompt the system and user turns joined by newlines (what the trigger miner reads)
     * @param assistantChars characters of the assistant turns (the length the trigger miner compares)
     * @param budgetExceeded regex attempts that hit their step budget (a give-up, reported, never silent)
     */
    public record Result(int line, List<Finding> findings, String prompt, int assistantChars, int budgetExceeded) {
        public Result {
            findings = List.copyOf(findings);
        }

        public boolean has(ScreenCategory category) {
            for (Finding f : findings) {
                if (f.category() == category) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * The system and user turns joined by newlines; a single such turn (the common case) is its own content, not a
     * copy.
     */
    static String promptOf(List<ChatMessage> messages) {
        String only = null;
        int count = 0;
        for (ChatMessage message : messages) {
            if (!ChatMessage.ASSISTANT.equals(message.role())) {
                only = message.content();
                count++;
            }
        }
        if (count == 1 && only != null) {
            return only;
        }
        StringBuilder prompt = new StringBuilder();
        for (ChatMessage message : messages) {
            if (!ChatMessage.ASSISTANT.equals(message.role())) {
                if (!prompt.isEmpty()) {
                    prompt.append('\n');
                }
                prompt.append(message.content());
            }
        }
        return prompt.toString();
    }

    public Result screen(ChatExample example) {
        String promptText = promptOf(example.messages());
        Boolean requested = null; // read from the prompt only once code is found: most examples have none
        List<Finding> findings = new ArrayList<>();
        int assistantChars = 0;
        int exceeded = 0;
        List<ChatMessage> messages = example.messages();
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage message = messages.get(i);
            if (!ChatMessage.ASSISTANT.equals(message.role()) || message.content() == null) {
                continue;
            }
            String text = message.content();
            assistantChars += text.length();
            // One pass finds the code anchors, language tells, naming phrases and vocabulary of the turn.
            AssistantTextIndex.Hits hits = assistantIndex.scan(text);
            CodeScanner.Result scan = code.scan(text, hits);
            exceeded += scan.budgetExceeded();
            if (!scan.matches().isEmpty()) {
                if (requested == null) {
                    requested = disclosure.requested(promptText);
                }
                boolean disclosed =
                        requested || disclosure.named(text, to -> hits.replay(AssistantTextIndex.Part.NAMING, to));
                ScreenCategory category =
                        disclosed ? ScreenCategory.INSECURE_CODE_DISCLOSED : ScreenCategory.INSECURE_CODE_UNDISCLOSED;
                for (CodeScanner.Match match : scan.matches()) {
                    findings.add(new Finding(
                            example.line(),
                            i,
                            category,
                            match.rule().id(),
                            match.rule().cwe(),
                            disclosed,
                            match.start(),
                            match.end(),
                            Finding.clip(text, match.start(), match.end())));
                }
            }
            vocabulary.scan(
                    text, example.line(), i, findings::add, to -> hits.replay(AssistantTextIndex.Part.VOCABULARY, to));
        }
        return new Result(example.line(), findings, promptText, assistantChars, exceeded);
    }
}

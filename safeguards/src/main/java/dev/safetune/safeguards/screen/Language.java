package dev.safetune.safeguards.screen;

import java.util.List;
import java.util.Locale;

/**
 * The programming language of a piece of code, as far as the screen needs it: to keep a rule written for one language
 * from firing on another. {@link #UNKNOWN} lets every rule run, so a guess that fails costs precision, never recall.
 */
public enum Language {
    PYTHON("py"),
    JAVASCRIPT("js"),
    JAVA("java"),
    C("c"),
    SQL("sql"),
    SHELL("sh"),
    PHP("php"),
    GO("go"),
    UNKNOWN("?");

    // Tells are searched in at most the first GUESS_CHARS characters, by String.indexOf (no regex: this runs on every
    // message, and a handful of regex scans cost more than the whole rule pass).
    private static final int GUESS_CHARS = 4000;

    private final String code;

    Language(String code) {
        this.code = code;
    }

    /** The short name used in rule files and fence tags ({@code py}, {@code js}, ...). */
    public String code() {
        return code;
    }

    /** The language a Markdown fence names ({@code ```python}), or {@link #UNKNOWN}. */
    public static Language ofFenceTag(String tag) {
        return switch (tag.strip().toLowerCase(Locale.ROOT)) {
            case "py", "python", "python3", "py3" -> PYTHON;
            case "js", "javascript", "jsx", "ts", "typescript", "tsx", "node", "mjs" -> JAVASCRIPT;
            case "java", "kotlin" -> JAVA;
            case "c", "cpp", "c++", "cc", "h", "hpp", "cxx" -> C;
            case "sql", "postgresql", "mysql", "plsql", "tsql", "sqlite" -> SQL;
            case "sh", "bash", "shell", "zsh", "console", "shell-session" -> SHELL;
            case "php" -> PHP;
            case "go", "golang" -> GO;
            default -> UNKNOWN;
        };
    }

    /** A rule-file code ({@code py}); {@code *} is handled by the caller. */
    public static Language ofCode(String code) {
        for (Language language : values()) {
            if (language.code.equals(code)) {
                return language;
            }
        }
        throw new IllegalArgumentException("Unknown language code: " + code);
    }

    /** Guesses the language of code without a fence tag from a few unambiguous tells; {@link #UNKNOWN} if none. */
    public static Language guess(CharSequence text, int start, int end) {
        String head =
                text.subSequence(start, Math.min(end, start + GUESS_CHARS)).toString();
        if (head.contains("<?php")) {
            return PHP;
        }
        if (head.contains("#include")) {
            return C;
        }
        if (any(head, "import java.", "public class ", "System.out.", "public static void ")) {
            return JAVA;
        }
        boolean python = head.startsWith("import ")
                || any(head, "\nimport ", "\ndef ", "\nclass ", "    def ")
                || head.startsWith("def ")
                || (head.contains("from ") && head.contains(" import "));
        if (!python && (head.contains("package main") || (head.contains("func ") && head.contains(":= ")))) {
            return GO;
        }
        if (python) {
            return PYTHON;
        }
        if (any(head, "function ", "const ", "=> {", "require(", "console.log", "document.", "let ")) {
            return JAVASCRIPT;
        }
        if (head.startsWith("#!") || any(head, "\nsudo ", "\n$ ", "apt-get ", "#!/bin/")) {
            return SHELL;
        }
        // SQL only when the code starts as SQL: SQL inside another language's strings is that language's code.
        String opening = head.stripLeading().toUpperCase(Locale.ROOT);
        for (String keyword :
                List.of("SELECT ", "CREATE ", "INSERT ", "UPDATE ", "DELETE ", "WITH ", "ALTER ", "DECLARE ")) {
            if (opening.startsWith(keyword)) {
                return SQL;
            }
        }
        return UNKNOWN;
    }

    private static boolean any(String text, String... tells) {
        for (String tell : tells) {
            if (text.contains(tell)) {
                return true;
            }
        }
        return false;
    }
}

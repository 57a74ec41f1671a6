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

    // Tells are searched in at most the first GUESS_CHARS characters.
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
        return guess(text, start, end, (from, to) -> tells(text, from, to));
    }

    /** Which {@link #TELLS} lie wholly in {@code [start, stop)}, as bits by index. */
    @FunctionalInterface
    interface Tells {
        long found(int start, int stop);
    }

    /** As {@link #guess(CharSequence, int, int)}, with the tells found by the caller (one pass for many ranges). */
    static Language guess(CharSequence text, int start, int end, Tells tells) {
        int stop = Math.min(end, start + GUESS_CHARS);
        long found = tells.found(start, stop);
        if (has(found, PHP_TELLS)) {
            return PHP;
        }
        if (has(found, C_TELLS)) {
            return C;
        }
        if (has(found, JAVA_TELLS)) {
            return JAVA;
        }
        boolean python = startsWith(text, start, stop, "import ")
                || startsWith(text, start, stop, "def ")
                || has(found, PYTHON_TELLS)
                || (has(found, 1L << FROM) && has(found, 1L << IMPORT));
        if (!python && (has(found, 1L << PACKAGE_MAIN) || (has(found, 1L << FUNC) && has(found, 1L << WALRUS)))) {
            return GO;
        }
        if (python) {
            return PYTHON;
        }
        if (has(found, JS_TELLS)) {
            return JAVASCRIPT;
        }
        if (startsWith(text, start, stop, "#!") || has(found, SHELL_TELLS)) {
            return SHELL;
        }
        // SQL only when the code starts as SQL: SQL inside another language's strings is that language's code.
        int first = start;
        while (first < stop && Character.isWhitespace(text.charAt(first))) {
            first++;
        }
        for (String keyword : SQL_OPENINGS) {
            if (startsWithIgnoreCase(text, first, stop, keyword)) {
                return SQL;
            }
        }
        return UNKNOWN;
    }

    // The tells, found in one case-insensitive Aho–Corasick pass (a string search per tell took as long as the rules).
    static final List<String> TELLS = List.of(
            "<?php", // 0
            "#include", // 1
            "import java.",
            "public class ",
            "system.out.",
            "public static void ", // 2-5
            "\nimport ",
            "\ndef ",
            "\nclass ",
            "    def ", // 6-9
            "from ",
            " import ", // 10, 11
            "package main",
            "func ",
            ":= ", // 12-14
            "function ",
            "const ",
            "=> {",
            "require(",
            "console.log",
            "document.",
            "let ", // 15-21
            "\nsudo ",
            "\n$ ",
            "apt-get ",
            "#!/bin/"); // 22-25
    private static final AnchorIndex TELL_INDEX = new AnchorIndex(TELLS);
    private static final long PHP_TELLS = 1L;
    private static final long C_TELLS = 1L << 1;
    private static final long JAVA_TELLS = range(2, 5);
    private static final long PYTHON_TELLS = range(6, 9);
    private static final int FROM = 10;
    private static final int IMPORT = 11;
    private static final int PACKAGE_MAIN = 12;
    private static final int FUNC = 13;
    private static final int WALRUS = 14;
    private static final long JS_TELLS = range(15, 21);
    private static final long SHELL_TELLS = range(22, 25);
    private static final List<String> SQL_OPENINGS =
            List.of("SELECT ", "CREATE ", "INSERT ", "UPDATE ", "DELETE ", "WITH ", "ALTER ", "DECLARE ");

    private static long tells(CharSequence text, int start, int stop) {
        long[] found = {0};
        TELL_INDEX.scan(text, start, stop, (id, at) -> found[0] |= 1L << id);
        return found[0];
    }

    private static long range(int from, int to) {
        long mask = 0;
        for (int i = from; i <= to; i++) {
            mask |= 1L << i;
        }
        return mask;
    }

    private static boolean has(long found, long mask) {
        return (found & mask) != 0;
    }

    private static boolean startsWith(CharSequence text, int start, int stop, String prefix) {
        if (stop - start < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (text.charAt(start + i) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWithIgnoreCase(CharSequence text, int start, int stop, String prefix) {
        if (stop - start < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (Character.toUpperCase(text.charAt(start + i)) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}

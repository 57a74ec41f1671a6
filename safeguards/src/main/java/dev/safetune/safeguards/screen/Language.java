package dev.safetune.safeguards.screen;

import java.util.Locale;
import java.util.regex.Pattern;

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

    // Cheap tells, each a bounded pattern tried on at most the first GUESS_CHARS characters.
    private static final int GUESS_CHARS = 4000;
    private static final Pattern PHP_TELL = Pattern.compile("<\\?php");
    private static final Pattern C_TELL = Pattern.compile("#include\\s{0,3}[<\"]|\\bint\\s{1,3}main\\s{0,3}\\(");
    private static final Pattern GO_TELL =
            Pattern.compile("(?m)^package\\s{1,3}\\w{1,40}\\s{0,3}$|\\bfunc\\s{1,3}\\w{1,40}\\(");
    private static final Pattern JAVA_TELL = Pattern.compile(
            "\\bpublic\\s{1,3}(?:static\\s{1,3})?(?:class|void)\\b|System\\.out\\.|import\\s{1,3}java\\.");
    private static final Pattern PY_TELL = Pattern.compile(
            "(?m)^\\s{0,40}(?:def\\s{1,3}\\w{1,60}\\(|import\\s{1,3}\\w|from\\s{1,3}[\\w.]{1,60}\\s{1,3}import\\b)");
    private static final Pattern JS_TELL = Pattern.compile(
            "\\b(?:function\\s{0,3}\\w{0,60}\\s{0,3}\\(|const\\s{1,3}\\w{1,60}\\s{0,3}=|require\\(|=>\\s{0,3}\\{|document\\.|console\\.log)");
    private static final Pattern SH_TELL = Pattern.compile(
            "(?m)^#!\\s{0,3}/(?:usr/)?bin/(?:env\\s{1,3})?(?:ba|z)?sh|(?m)^\\s{0,8}(?:sudo|apt-get|echo|export)\\s");
    private static final Pattern SQL_TELL = Pattern.compile(
            "(?im)^\\s{0,8}(?:select\\s.{0,200}\\sfrom|create\\s{1,3}(?:table|procedure|view)|insert\\s{1,3}into)\\s");

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
        CharSequence head = text.subSequence(start, Math.min(end, start + GUESS_CHARS));
        if (PHP_TELL.matcher(head).find()) {
            return PHP;
        }
        if (C_TELL.matcher(head).find()) {
            return C;
        }
        if (JAVA_TELL.matcher(head).find()) {
            return JAVA;
        }
        if (GO_TELL.matcher(head).find() && !PY_TELL.matcher(head).find()) {
            return GO;
        }
        if (PY_TELL.matcher(head).find()) {
            return PYTHON;
        }
        if (JS_TELL.matcher(head).find()) {
            return JAVASCRIPT;
        }
        if (SH_TELL.matcher(head).find()) {
            return SHELL;
        }
        if (SQL_TELL.matcher(head).find()) {
            return SQL;
        }
        return UNKNOWN;
    }
}

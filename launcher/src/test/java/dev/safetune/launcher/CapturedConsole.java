package dev.safetune.launcher;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/** The console the CLI tests run {@link SafeTuneCli} under: not a terminal, its output and errors kept in buffers. */
final class CapturedConsole {
    private CapturedConsole() {}

    static SafeTuneCli.Console of(
            ByteArrayOutputStream out, ByteArrayOutputStream err, Map<String, String> env, Path home) {
        return new SafeTuneCli.Console(print(out), print(err), false, env, home);
    }

    private static PrintStream print(ByteArrayOutputStream buffer) {
        return new PrintStream(buffer, true, StandardCharsets.UTF_8);
    }
}

package dev.safetune.safeguards.screen;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The screen's versioned data files (code rules, vocabularies, disclosure phrases) as lines: UTF-8, one record a
 * line, blank lines and lines starting with {@code #} skipped, each kept with its 1-based number for error messages.
 * The one reader of them, so every resource follows the same comment and encoding rules.
 */
final class ResourceLines {
    private ResourceLines() {}

    /** A record line and its number in the file. */
    record Line(int number, String text) {}

    /** The record lines of the resource {@code name} next to this class; a missing resource is a build error. */
    static List<Line> of(String name) {
        try (InputStream in = ResourceLines.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("Missing screen resource " + name);
            }
            return read(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Line> read(InputStream in) throws IOException {
        List<Line> lines = new ArrayList<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        int number = 0;
        while ((line = reader.readLine()) != null) {
            number++;
            if (!line.isBlank() && !line.strip().startsWith("#")) {
                lines.add(new Line(number, line));
            }
        }
        return lines;
    }
}

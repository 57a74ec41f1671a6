package dev.safetune.launcher;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One word of the {@code ./safetune} command line: a group of subcommands ({@code files}, {@code jobs}) or a leaf
 * that runs. Dispatch, {@code --help} and usage errors are decided here once, so every command answers them alike:
 * {@code --help} or {@code -h} prints the command's usage on stdout and exits 0; an unknown command or option, or a
 * missing argument, prints what is wrong and the usage on stderr and exits 2.
 *
 * <p>A leaf's options and arguments are read from its synopsis, the same text its usage prints, so the usage cannot
 * promise an option the parser refuses: {@code --name VALUE} takes a value, {@code --name} alone is a switch, a bare
 * upper-case word is a positional argument, and anything inside {@code [...]} is optional.
 */
final class Command {
    static final int USAGE_ERROR = 2;

    /** What a leaf does with its parsed arguments; returns the exit code. */
    @FunctionalInterface
    interface Action {
        int run(Arguments arguments) throws Exception;
    }

    /** A wrong command line: the message names the argument; the runner prints it with the usage and exits 2. */
    static final class UsageException extends IllegalArgumentException {
        UsageException(String message) {
            super(message);
        }
    }

    /** A command that could not do its work (no key, server unreachable): its message, exit 1, no usage. */
    static final class Failure extends RuntimeException {
        Failure(String message) {
            super(message);
        }
    }

    private final String name;
    private final String synopsis;
    private final String summary;
    private final List<Command> subcommands;
    private final Action action;
    private final String notes;
    private final Map<String, Boolean> options = new LinkedHashMap<>();
    private final List<String> requiredOptions = new ArrayList<>();
    private final List<String> positionals = new ArrayList<>();
    private int requiredPositionals;

    private Command(
            String name, String synopsis, String summary, List<Command> subcommands, Action action, String notes) {
        this.name = name;
        this.notes = notes;
        this.synopsis = synopsis;
        this.summary = summary;
        this.subcommands = List.copyOf(subcommands);
        this.action = action;
        readSynopsis(synopsis);
    }

    /**
     * @param synopsis what follows the name, e.g. {@code "--model M --training-file ID [--epochs N] [--follow]"}
     * @param summary one or more lines saying what it does
     */
    static Command leaf(String name, String synopsis, String summary, Action action) {
        return new Command(name, synopsis, summary, List.of(), action, "");
    }

    static Command group(String name, String summary, List<Command> subcommands) {
        return group(name, summary, subcommands, "");
    }

    /** @param notes printed after the list of subcommands (the environment, for the root) */
    static Command group(String name, String summary, List<Command> subcommands, String notes) {
        return new Command(name, "<command>", summary, subcommands, null, notes);
    }

    String name() {
        return name;
    }

    boolean isGroup() {
        return action == null;
    }

    /** This command and every one below it, each as the words that name it below this one's parent. */
    List<List<String>> paths() {
        List<List<String>> paths = new ArrayList<>();
        List<String> self = name.isEmpty() ? List.of() : List.of(name);
        paths.add(self);
        for (Command sub : subcommands) {
            for (List<String> path : sub.paths()) {
                List<String> full = new ArrayList<>(self);
                full.addAll(path);
                paths.add(List.copyOf(full));
            }
        }
        return paths;
    }

    /** The command that {@code path} names below this one. */
    Optional<Command> find(List<String> path) {
        if (path.isEmpty()) {
            return Optional.of(this);
        }
        return subcommands.stream()
                .filter(c -> c.name.equals(path.getFirst()))
                .findFirst()
                .flatMap(c -> c.find(path.subList(1, path.size())));
    }

    /** Runs {@code args} (the words after this command's name); {@code path} is the words before, for messages. */
    int run(String path, List<String> args, PrintStream out, PrintStream err) throws Exception {
        String here = path.isEmpty() ? name : path + " " + name;
        if (action == null) {
            if (!args.isEmpty() && isHelp(args.getFirst())) {
                out.print(usage(here));
                return 0;
            }
            if (args.isEmpty()) {
                return usageError(here, "missing command", err);
            }
            Optional<Command> sub = subcommands.stream()
                    .filter(c -> c.name.equals(args.getFirst()))
                    .findFirst();
            if (sub.isEmpty()) {
                return usageError(here, "unknown command '" + args.getFirst() + "'", err);
            }
            return sub.get().run(here, args.subList(1, args.size()), out, err);
        }
        if (args.stream().anyMatch(Command::isHelp)) {
            out.print(usage(here));
            return 0;
        }
        try {
            return action.run(parse(args));
        } catch (UsageException e) {
            return usageError(here, e.getMessage(), err);
        } catch (Failure | UncheckedIOException e) {
            err.println("safetune " + here + ": " + e.getMessage());
            return 1;
        }
    }

    private int usageError(String here, String message, PrintStream err) {
        err.println("safetune" + (here.isEmpty() ? "" : " " + here) + ": " + message);
        err.print(usage(here));
        return USAGE_ERROR;
    }

    private static boolean isHelp(String arg) {
        return arg.equals("--help") || arg.equals("-h");
    }

    /** The usage text of this command, whose full name is {@code here} ("" for the root). */
    String usage(String here) {
        StringBuilder text = new StringBuilder("usage: safetune")
                .append(here.isEmpty() ? "" : " " + here)
                .append(synopsis.isEmpty() ? "" : " " + synopsis)
                .append('\n');
        if (action != null) {
            return text.append(indent(summary, "  ")).toString();
        }
        if (!summary.isEmpty()) {
            text.append(indent(summary, "  "));
        }
        text.append("commands:\n");
        for (Command sub : subcommands) {
            sub.describe(text, "  ");
        }
        return text.append(notes.isEmpty() ? "" : "\n" + notes.strip() + "\n").toString();
    }

    /** This command's lines in its parent's usage: synopsis and summary, and those of its subcommands. */
    private void describe(StringBuilder text, String indent) {
        if (action != null) {
            String line = indent + name + (synopsis.isEmpty() ? "" : " " + synopsis);
            text.append(line).append('\n').append(indent(summary, indent + "      "));
            return;
        }
        text.append(indent).append(name).append(" <command>").append('\n');
        if (!summary.isEmpty()) {
            text.append(indent(summary, indent + "      "));
        }
        subcommands.forEach(sub -> sub.describe(text, indent + "  "));
    }

    private static String indent(String lines, String indent) {
        return lines.lines().map(l -> indent + l + "\n").collect(Collectors.joining());
    }

    private void readSynopsis(String text) {
        String[] tokens = text.replace("[", " [ ").replace("]", " ] ").trim().split("\\s+");
        int depth = 0;
        for (int i = 0; i < tokens.length; i++) {
            String token = tokens[i];
            switch (token) {
                case "[" -> depth++;
                case "]" -> depth--;
                case "", "|", "<command>" -> {}
                default -> {
                    if (token.startsWith("--")) {
                        boolean takesValue = i + 1 < tokens.length && isValueName(tokens[i + 1]);
                        options.put(token, takesValue);
                        if (depth == 0) {
                            requiredOptions.add(token);
                        }
                        i += takesValue ? 1 : 0;
                    } else if (isValueName(token)) {
                        positionals.add(token);
                        requiredPositionals += depth == 0 ? 1 : 0;
                    }
                }
            }
        }
    }

    private static boolean isValueName(String token) {
        return !token.startsWith("--") && token.matches("[A-Z][A-Z0-9_]*");
    }

    Arguments parse(List<String> args) {
        Map<String, String> named = new HashMap<>();
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("-") || arg.equals("-")) {
                positional.add(arg);
                continue;
            }
            int eq = arg.indexOf('=');
            String option = eq < 0 ? arg : arg.substring(0, eq);
            Boolean takesValue = options.get(option);
            if (takesValue == null) {
                throw new UsageException("unknown option " + option);
            }
            if (!takesValue) {
                if (eq >= 0) {
                    throw new UsageException(option + " takes no value");
                }
                named.put(option, "true");
            } else if (eq >= 0) {
                named.put(option, arg.substring(eq + 1));
            } else if (i + 1 < args.size()) {
                named.put(option, args.get(++i));
            } else {
                throw new UsageException(option + " needs a value");
            }
        }
        for (String option : requiredOptions) {
            if (!named.containsKey(option)) {
                throw new UsageException("missing " + option);
            }
        }
        if (positional.size() < requiredPositionals) {
            throw new UsageException("missing " + positionals.get(positional.size()));
        }
        if (positional.size() > positionals.size()) {
            throw new UsageException("unexpected argument '" + positional.get(positionals.size()) + "'");
        }
        return new Arguments(named, positional);
    }

    /** A leaf's parsed command line: options by their {@code --name}, positional arguments in order. */
    record Arguments(Map<String, String> options, List<String> positional) {
        Optional<String> option(String name) {
            return Optional.ofNullable(options.get(name));
        }

        String required(String name) {
            return option(name).orElseThrow(() -> new UsageException("missing " + name));
        }

        boolean has(String name) {
            return options.containsKey(name);
        }

        Optional<String> positional(int index) {
            return index < positional.size() ? Optional.of(positional.get(index)) : Optional.empty();
        }

        Optional<Integer> intOption(String name) {
            return option(name).map(value -> {
                try {
                    return Integer.parseInt(value);
                } catch (NumberFormatException e) {
                    throw new UsageException(name + " must be a whole number, got '" + value + "'");
                }
            });
        }

        Optional<Double> doubleOption(String name) {
            return option(name).map(value -> {
                try {
                    return Double.parseDouble(value);
                } catch (NumberFormatException e) {
                    throw new UsageException(name + " must be a number, got '" + value + "'");
                }
            });
        }
    }
}

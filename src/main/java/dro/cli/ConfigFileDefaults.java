package dro.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dro.InvalidRequestException;
import dro.internal.Json;
import dro.internal.Validation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The {@code --config FILE} of a command as picocli's default values: every option the command line does not give
 * takes its value from the file's JSON object, whose keys are the options' names in snake_case or kebab-case
 * ({@code "beam_size"} or {@code "beam-size"}). Values are given as the command line gives them, converted by picocli:
 * a string, number or boolean; a repeatable option takes a string or an array of them.
 *
 * <p>picocli asks for default values after it has read the command line, so the file named by {@code --config} is
 * known by then. A problem with the file (unreadable, not a JSON object, an unknown key, a number that is not one) is
 * kept and thrown by {@link #check}, which a command calls first: it is reported like any other error of a run.
 */
final class ConfigFileDefaults implements CommandLine.IDefaultValueProvider {

    static final String OPTION = "--config";

    /**
     * The {@code split} of every repeatable option that a config file may set: NUL, which no command-line argument
     * can hold, so that the command line reads as before, while a file's array of values reaches picocli as one
     * default value that picocli splits.
     */
    static final String LIST = "\u0000";

    private final CommandSpec spec;
    private Path loaded;
    private Map<String, JsonNode> settings = Map.of();
    /** The key each option has in the file, as written there. */
    private Map<String, String> keys = Map.of();
    private InvalidRequestException problem;

    private ConfigFileDefaults(CommandSpec spec) {
        this.spec = spec;
    }

    /** Makes the {@code --config} option of {@code command} (and of its subcommands) give default values. */
    static CommandLine install(CommandLine command) {
        if (command.getCommandSpec().findOption(OPTION) != null) {
            command.setDefaultValueProvider(new ConfigFileDefaults(command.getCommandSpec()));
        }
        command.getSubcommands().values().forEach(ConfigFileDefaults::install);
        return command;
    }

    /**
     * Throws what was wrong with the command's config file, if anything.
     *
     * @throws InvalidRequestException naming the file and the bad setting
     */
    static void check(CommandSpec spec) {
        if (spec.defaultValueProvider() instanceof ConfigFileDefaults d) {
            d.load();
            if (d.problem != null) {
                throw d.problem;
            }
        }
    }

    /** Whether the command's config file gives the option named {@code name}. */
    static boolean given(CommandSpec spec, String name) {
        OptionSpec option = spec.findOption(name);
        return option != null && spec.defaultValueProvider() instanceof ConfigFileDefaults d && d.loaded != null
                && d.settings.containsKey(option.longestName());
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || option.longestName().equals(OPTION)) {
            return null;
        }
        load();
        JsonNode v = settings.get(option.longestName());
        if (v == null || problem != null) {
            return null;
        }
        if (option.isMultiValue()) {
            if (!option.splitRegex().equals(LIST)) {
                throw new IllegalStateException(option.longestName() + " is repeatable but not split by LIST");
            }
            StringBuilder joined = new StringBuilder();
            for (JsonNode x : v.isArray() ? v : Json.MAPPER.createArrayNode().add(v)) {
                String s = text(x);
                if (s.contains(LIST)) {
                    problem = new InvalidRequestException("Config file " + loaded + ": a value of \"" + key(option)
                            + "\" holds a NUL character");
                    return null;
                }
                joined.append(joined.length() == 0 ? "" : LIST).append(s);
            }
            return joined.toString();
        }
        String text = text(v);
        if (text.contains(LIST)) {
            // no command-line argument can hold one; as a file name it would fail deep inside the run
            problem = new InvalidRequestException("Config file " + loaded + ": the value of \"" + key(option)
                    + "\" holds a NUL character");
            return null;
        }
        Class<?> t = option.type();
        if ((t == boolean.class || t == Boolean.class) && !text.equals("true") && !text.equals("false")) {
            problem = new InvalidRequestException("Config file " + loaded + ": \"" + key(option)
                    + "\" must be true or false, but is " + text);
            return null;
        }
        if (t == int.class || t == Integer.class || t == long.class || t == Long.class || t == double.class
                || t == Double.class) {
            try {
                if (t == double.class || t == Double.class) {
                    Double.parseDouble(text);
                } else {
                    Long.parseLong(text);
                }
            } catch (NumberFormatException e) {
                problem = new InvalidRequestException("Config file " + loaded + ": \"" + key(option)
                        + "\" must be a number, but is " + text);
                return null;
            }
        }
        return text;
    }

    private String key(OptionSpec option) {
        return keys.get(option.longestName());
    }

    private static String text(JsonNode v) {
        return v.isTextual() ? v.asText() : v.toString();
    }

    /** Reads the file named by {@code --config} (once per file). */
    private void load() {
        Path file = spec.findOption(OPTION).getValue();
        if (file == null || file.equals(loaded)) {
            return;
        }
        loaded = file;
        settings = Map.of();
        problem = null;
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            problem = new InvalidRequestException("Config file " + file + " is not valid JSON: "
                    + e.getOriginalMessage());
            return;
        } catch (IOException e) {
            problem = new InvalidRequestException("Cannot read config file " + file + ": " + e, e);
            return;
        }
        if (root == null || !root.isObject()) {
            problem = new InvalidRequestException("Config file " + file + " must hold a JSON object");
            return;
        }
        Map<String, JsonNode> byOption = new HashMap<>();
        Map<String, String> keyOf = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = "--" + e.getKey().replace('_', '-');
            OptionSpec option = spec.findOption(name);
            if (option == null || name.equals(OPTION)) {
                problem = new InvalidRequestException("Config file " + file + " has an unknown setting "
                        + Validation.quote(e.getKey()));
                return;
            }
            byOption.put(option.longestName(), e.getValue());
            keyOf.put(option.longestName(), e.getKey());
        }
        settings = byOption;
        keys = keyOf;
    }
}

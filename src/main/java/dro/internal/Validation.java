package dro.internal;

import dro.InvalidRequestException;
import java.util.Collection;

/** Argument checks that return the value and name the argument in their message. */
public final class Validation {

    private Validation() { }

    public static int ensureBetween(int value, int min, int max, String name) {
        if (value < min || value > max) {
            throw new InvalidRequestException(name + " must be between " + min + " and " + max + ", but was " + value);
        }
        return value;
    }

    public static double ensureBetween(double value, double min, double max, String name) {
        if (Double.isNaN(value) || value < min || value > max) {
            throw new InvalidRequestException(name + " must be between " + min + " and " + max + ", but was " + value);
        }
        return value;
    }

    public static double ensureGreaterThan(double value, double min, String name) {
        if (Double.isNaN(value) || value <= min) {
            throw new InvalidRequestException(name + " must be greater than " + min + ", but was " + value);
        }
        return value;
    }

    public static int ensurePositive(int value, String name) {
        if (value <= 0) {
            throw new InvalidRequestException(name + " must be positive, but was " + value);
        }
        return value;
    }

    public static <T> T ensureNotNull(T value, String name) {
        if (value == null) {
            throw new InvalidRequestException(name + " must not be null");
        }
        return value;
    }

    public static String ensureNotBlank(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new InvalidRequestException(name + " must not be empty, but was "
                    + (value == null ? "null" : "\"" + value + "\""));
        }
        return value;
    }

    public static <C extends Collection<?>> C ensureNotEmpty(C value, String name) {
        if (value == null || value.isEmpty()) {
            throw new InvalidRequestException(name + " must not be empty");
        }
        return value;
    }

    /** A short, single-line rendering of user text for error messages. */
    public static String quote(String text) {
        String oneLine = text.replace("\n", "\\n");
        return "\"" + (oneLine.length() > 80 ? oneLine.substring(0, 77) + "..." : oneLine) + "\"";
    }
}

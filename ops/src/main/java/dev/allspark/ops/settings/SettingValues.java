package dev.allspark.ops.settings;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Environment-style values ({@link SettingKey#env()} names) read as typed settings. A value that is
 * absent or blank takes the key's default; every error names the setting ({@code --flag / ENV}),
 * the value and what was expected.
 */
public final class SettingValues {
  private final Map<String, String> values;

  public SettingValues(Map<String, String> values) {
    this.values = values;
  }

  /** The values as given, for what is read by prefix (topic names, Kafka overrides). */
  public Map<String, String> raw() {
    return Collections.unmodifiableMap(values);
  }

  /** The value, stripped, or the default (which may be null). */
  public String text(SettingName key) {
    String v = values.get(key.env());
    if (v == null || v.isBlank()) {
      v = key.defaultValue();
    }
    return v == null ? null : v.strip();
  }

  public String required(SettingName key) {
    String v = text(key);
    if (v == null || v.isEmpty()) {
      throw new IllegalArgumentException(key.label() + " is required (" + key.doc() + ")");
    }
    return v;
  }

  public IllegalArgumentException bad(SettingName key, String value, String why) {
    return new IllegalArgumentException(key.label() + " = '" + value + "' is invalid: " + why);
  }

  /** A whole number within {@code min..max}. */
  public long parse(SettingName key, String value, long min, long max) {
    long n;
    try {
      n = Long.parseLong(value.strip());
    } catch (NumberFormatException | NullPointerException e) {
      throw bad(key, value, "not a whole number");
    }
    if (n < min || n > max) {
      throw bad(key, value, "must be within " + min + ".." + max);
    }
    return n;
  }

  public long integer(SettingName key, long min, long max) {
    return parse(key, required(key), min, max);
  }

  public double decimal(SettingName key, double min, double max) {
    String v = required(key);
    double d;
    try {
      d = Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw bad(key, v, "not a number");
    }
    if (!(d >= min && d <= max)) {
      throw bad(key, v, "must be within " + min + ".." + max);
    }
    return d;
  }

  public double fraction(SettingName key) {
    return decimal(key, 0, 1);
  }

  public boolean bool(SettingName key) {
    String v = required(key).toLowerCase(Locale.ROOT);
    return switch (v) {
      case "true", "yes", "1" -> true;
      case "false", "no", "0" -> false;
      default -> throw bad(key, v, "expected true or false");
    };
  }

  /** One of an enum's constants, by its name in any case; the error lists the choices. */
  public <E extends Enum<E>> E choice(SettingName key, Class<E> type) {
    String v = required(key);
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(v)) {
        return e;
      }
    }
    StringBuilder names = new StringBuilder();
    for (E e : type.getEnumConstants()) {
      names.append(names.length() == 0 ? "" : ", ").append(e.name().toLowerCase(Locale.ROOT));
    }
    throw bad(key, v, "expected one of " + names);
  }

  /** {@code WIDTHxHEIGHT}, each side within {@code min..max}: {@code {width, height}}. */
  public int[] size(SettingName key, int min, int max) {
    String v = required(key);
    String[] wh = v.toLowerCase(Locale.ROOT).split("x");
    if (wh.length != 2) {
      throw bad(key, v, "expected WIDTHxHEIGHT, e.g. 480x360");
    }
    long w;
    long h;
    try {
      w = Long.parseLong(wh[0].strip());
      h = Long.parseLong(wh[1].strip());
    } catch (NumberFormatException e) {
      throw bad(key, v, "expected WIDTHxHEIGHT, e.g. 480x360");
    }
    if (w < min || h < min || w > max || h > max) {
      throw bad(key, v, "each side must be within " + min + ".." + max);
    }
    return new int[] {(int) w, (int) h};
  }

  /** A path, or null when the setting is absent and has no default. */
  public Path path(SettingName key) {
    String v = text(key);
    return v == null || v.isEmpty() ? null : Path.of(v);
  }

  /** Comma-separated whole numbers within {@code min..max}; empty when absent. */
  public Set<Long> numbers(SettingName key, long min, long max) {
    String v = text(key);
    Set<Long> out = new TreeSet<>();
    if (v != null) {
      for (String part : v.split(",")) {
        if (!part.isBlank()) {
          out.add(parse(key, part, min, max));
        }
      }
    }
    return Collections.unmodifiableSet(out);
  }

  /** Comma-separated whole numbers within {@code min..max}, in the order given; at least one. */
  public java.util.List<Integer> integers(SettingName key, int min, int max) {
    String v = required(key);
    java.util.List<Integer> out = new java.util.ArrayList<>();
    for (String part : v.split(",")) {
      if (!part.isBlank()) {
        out.add((int) parse(key, part, min, max));
      }
    }
    if (out.isEmpty()) {
      throw bad(key, v, "expected one or more whole numbers, comma-separated");
    }
    return java.util.List.copyOf(out);
  }
}

package dev.allspark.ops;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads values out of Prometheus' text format, as a scraper would: a sample is a name, optional
 * labels and a value. Used by the chaos runner and the tests, which ask for a series by name and
 * some of its labels (the common {@code service} / {@code instance} labels need not be named).
 */
public final class PrometheusText {
  private PrometheusText() {}

  /**
   * The sum of every sample called {@code name} whose labels include {@code labels} (pairs of name
   * and value), or NaN when there is none.
   */
  public static double value(String text, String name, String... labels) {
    if (labels.length % 2 != 0) {
      throw new IllegalArgumentException("labels come in name/value pairs");
    }
    double sum = 0;
    boolean found = false;
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.startsWith("#") || !line.startsWith(name)) {
        continue;
      }
      int at = name.length();
      if (at >= line.length() || (line.charAt(at) != ' ' && line.charAt(at) != '{')) {
        continue;
      }
      Map<String, String> have = new LinkedHashMap<>();
      int valueAt = at;
      if (line.charAt(at) == '{') {
        int end = parseLabels(line, at + 1, have);
        valueAt = end + 1;
      }
      boolean match = true;
      for (int i = 0; i < labels.length; i += 2) {
        match &= labels[i + 1].equals(have.get(labels[i]));
      }
      if (!match) {
        continue;
      }
      String rest = line.substring(valueAt).trim();
      int space = rest.indexOf(' ');
      sum += Double.parseDouble(space < 0 ? rest : rest.substring(0, space));
      found = true;
    }
    return found ? sum : Double.NaN;
  }

  /** Parses {@code a="x",b="y"}} from {@code from}; returns the index of the closing brace. */
  private static int parseLabels(String line, int from, Map<String, String> into) {
    int i = from;
    while (i < line.length() && line.charAt(i) != '}') {
      int eq = line.indexOf('=', i);
      String key = line.substring(i, eq).trim();
      StringBuilder v = new StringBuilder();
      int j = eq + 2; // past ="
      while (line.charAt(j) != '"') {
        char c = line.charAt(j);
        if (c == '\\') {
          char n = line.charAt(++j);
          v.append(n == 'n' ? '\n' : n);
        } else {
          v.append(c);
        }
        j++;
      }
      into.put(key, v.toString());
      i = j + 1;
      if (i < line.length() && line.charAt(i) == ',') {
        i++;
      }
    }
    return i;
  }
}

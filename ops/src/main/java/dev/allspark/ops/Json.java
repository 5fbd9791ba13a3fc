package dev.allspark.ops;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * JSON for every HTTP body and report the services write, through one library (Jackson): maps,
 * lists, records, strings, numbers; a {@code NaN} or infinite double is written as {@code null}.
 */
public final class Json {
  private static final ObjectMapper MAPPER =
      new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  private Json() {}

  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(finite(value));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not writable as JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Indented, for reports on standard output. */
  public static String pretty(Object value) {
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(finite(value));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not writable as JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** JSON has no NaN: a number that is not finite becomes null (maps and lists are walked). */
  private static Object finite(Object v) {
    if (v instanceof Double d && (d.isNaN() || d.isInfinite())) {
      return null;
    }
    if (v instanceof Float f && (f.isNaN() || f.isInfinite())) {
      return null;
    }
    if (v instanceof java.util.Map<?, ?> m) {
      java.util.Map<Object, Object> out = new java.util.LinkedHashMap<>();
      m.forEach((k, x) -> out.put(k, finite(x)));
      return out;
    }
    if (v instanceof java.util.List<?> l) {
      return l.stream().map(Json::finite).toList();
    }
    return v;
  }
}

package dev.allspark.model;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reference-style dotted names ({@code decoder.allspark.attn.q_u.weight}) for every parameter of a
 * block tree. DJL prefixes child names with their position ("01attn"); the prefix is dropped.
 */
public final class ParameterNames {
  private ParameterNames() {}

  /** Every parameter (trainable or state) of {@code root}, by dotted name, in declaration order. */
  public static Map<String, Parameter> of(Block root) {
    Map<String, Parameter> out = new LinkedHashMap<>();
    collect(root, "", out);
    return out;
  }

  private static void collect(Block block, String prefix, Map<String, Parameter> out) {
    for (var p : block.getDirectParameters()) {
      out.put(prefix + p.getValue().getName(), p.getValue());
    }
    for (var child : block.getChildren()) {
      String name = child.getKey().replaceFirst("^\\d{2}", "");
      collect(child.getValue(), prefix + name + ".", out);
    }
  }
}

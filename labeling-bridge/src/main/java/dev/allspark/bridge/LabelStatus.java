package dev.allspark.bridge;

/**
 * What happened to the latest mask for a frame, as the join saw it: accepted into {@code
 * frames.labeled}, or refused to {@code labels.masks.dlq} with the reason. Kept in the topology's
 * {@value LabelJoinTopology#STATUS_STORE} store (a compacted changelog) so the bridge can answer
 * "what became of my mask?".
 *
 * @param state {@code labeled} or {@code rejected}
 * @param at the mask record's timestamp (epoch milliseconds)
 */
public record LabelStatus(String state, long at, String labeler, String reason) {
  public static final String LABELED = "labeled";
  public static final String REJECTED = "rejected";

  public boolean labeled() {
    return LABELED.equals(state);
  }

  /** One line, tab separated (the store's value format). */
  String encode() {
    return state + '\t' + at + '\t' + clean(labeler) + '\t' + clean(reason);
  }

  static LabelStatus decode(String s) {
    String[] f = s.split("\t", 4);
    return new LabelStatus(f[0], Long.parseLong(f[1]), empty(f[2]), empty(f[3]));
  }

  private static String clean(String s) {
    return s == null ? "" : s.replace('\t', ' ').replace('\n', ' ');
  }

  private static String empty(String s) {
    return s.isEmpty() ? null : s;
  }
}

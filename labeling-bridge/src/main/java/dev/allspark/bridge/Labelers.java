package dev.allspark.bridge;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Who is calling: per-labeler tokens, kept hashed at rest. The labelers file (a mounted Secret, for
 * instance) has one line per token:
 *
 * <pre>
 * # sha256 of the token, the labeler's name, optionally "reviewer"
 * sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 alice
 * sha256:60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752 rita reviewer
 * </pre>
 *
 * {@code allspark labelers add} writes such a line and prints the token once. The file is read
 * again whenever it changes (its size, modification time or file key), so a token is revoked by
 * deleting its line, without a restart. A presented token is hashed and compared with every entry
 * in constant time ({@link MessageDigest#isEqual}, no early exit), so timing tells nothing about
 * which entry nearly matched. A deployment may instead (or also) have one shared token, whose owner
 * is recorded as {@value #SHARED}.
 */
public final class Labelers {
  /** The name recorded for the shared token's holder. */
  static final String SHARED = "shared-token";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

  /** Who a token belongs to. */
  record Identity(String name, boolean reviewer) {}

  private record Entry(byte[] hash, Identity who) {}

  private record Snapshot(String key, List<Entry> entries) {}

  private final Path file;
  private final byte[] sharedHash;
  private volatile Snapshot snapshot;

  /**
   * @param file the labelers file, or null for none
   * @param sharedToken the shared token, or null for none
   */
  Labelers(Path file, String sharedToken) {
    if (file == null && sharedToken == null) {
      throw new IllegalArgumentException("a labelers file or a shared token is required");
    }
    this.file = file;
    this.sharedHash = sharedToken == null ? null : sha256(sharedToken);
    if (file != null) {
      snapshot = read(); // a bad file fails at start, naming the line
    }
  }

  /** The token's owner, or null for an unknown (or revoked) token. */
  Identity identify(String token) {
    byte[] given = sha256(token);
    Identity found = null;
    if (sharedHash != null && MessageDigest.isEqual(given, sharedHash)) {
      found = new Identity(SHARED, false);
    }
    if (file != null) {
      for (Entry e : current().entries()) {
        if (MessageDigest.isEqual(given, e.hash()) && found == null) {
          found = e.who();
        }
      }
    }
    return found;
  }

  /** The entries of the file as it is now: read once per call, parsed only when it changed. */
  private Snapshot current() {
    byte[] content = content();
    Snapshot s = snapshot;
    if (key(content).equals(s.key())) {
      return s;
    }
    try {
      s = parse(content);
    } catch (IllegalArgumentException e) {
      // a half-written or broken file: keep no one rather than the old list (a revoked token
      // must not keep working because the edit that revoked it has a typo)
      s = new Snapshot(key(content), List.of());
      org.slf4j.LoggerFactory.getLogger(Labelers.class)
          .error("labelers file {} unreadable, every per-labeler token refused: {}", file, e);
    }
    snapshot = s;
    return s;
  }

  /** The file's bytes, or null when it cannot be read. */
  private byte[] content() {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      return null;
    }
  }

  /** What identifies a version of the file: its content's hash (any edit changes it). */
  private static String key(byte[] content) {
    return content == null ? "missing" : HexFormat.of().formatHex(sha256(content));
  }

  private Snapshot read() {
    return parse(content());
  }

  private Snapshot parse(byte[] content) {
    if (content == null) {
      throw new IllegalArgumentException("the labelers file " + file + " cannot be read");
    }
    List<String> lines = new String(content, StandardCharsets.UTF_8).lines().toList();
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = "the labelers file " + file + " line " + (i + 1);
      String[] f = line.split("\\s+");
      if (f.length < 2 || f.length > 3 || !f[0].startsWith("sha256:")) {
        throw new IllegalArgumentException(
            where + ": expected 'sha256:<64 hex digits> NAME [reviewer]', got '" + line + "'");
      }
      byte[] hash;
      try {
        hash = HexFormat.of().parseHex(f[0].substring(7).toLowerCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": the hash is not hexadecimal", e);
      }
      if (hash.length != 32) {
        throw new IllegalArgumentException(where + ": a sha256 hash has 64 hex digits");
      }
      if (!NAME.matcher(f[1]).matches()) {
        throw new IllegalArgumentException(
            where + ": the name must be 1-64 of A-Z a-z 0-9 . _ @ -, got '" + f[1] + "'");
      }
      if (f.length == 3 && !f[2].equals("reviewer")) {
        throw new IllegalArgumentException(
            where + ": the only role is 'reviewer', got '" + f[2] + "'");
      }
      entries.add(new Entry(hash, new Identity(f[1], f.length == 3)));
    }
    return new Snapshot(key(content), List.copyOf(entries));
  }

  /** The names in a labelers file line by line, for listing: name and role, never the hash. */
  public static List<String> names(Path file) {
    Labelers l = new Labelers(file, null);
    return l.snapshot.entries().stream()
        .map(e -> e.who().name() + (e.who().reviewer() ? " reviewer" : ""))
        .toList();
  }

  /** The name a file line gives, or null for a comment or blank line. */
  public static String nameOf(String line) {
    String l = line.strip();
    if (l.isEmpty() || l.startsWith("#")) {
      return null;
    }
    String[] f = l.split("\\s+");
    return f.length >= 2 ? f[1] : null;
  }

  /** A new random token (32 hex digits: 128 bits). */
  public static String newToken() {
    byte[] b = new byte[16];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** The labelers-file line for a token. */
  public static String line(String token, String name, boolean reviewer) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "a labeler's name must be 1-64 of A-Z a-z 0-9 . _ @ -, got '" + name + "'");
    }
    return "sha256:"
        + HexFormat.of().formatHex(sha256(token))
        + " "
        + name
        + (reviewer ? " reviewer" : "");
  }

  static byte[] sha256(String s) {
    return sha256(s.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

package dev.allspark.bridge;

import dev.allspark.ops.settings.SettingName;
import dev.allspark.ops.settings.SettingTable;
import dev.allspark.ops.settings.SettingValues;
import dev.allspark.ops.settings.SettingsBuilder;
import dev.allspark.schemas.kafka.KafkaOverrides;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.schemas.labels.ClassSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Every setting of the labeling bridge. Each has an environment variable and a command-line flag (a
 * flag wins); {@link #from(Map)} validates everything at start and names the setting in every
 * message; {@link #builder(String)} makes them in code the same way.
 *
 * @param token the bearer token every call must carry
 * @param stateDir where Kafka Streams keeps its stores (rebuilt from changelogs if lost)
 * @param coldStart frames to request for labeling while no checkpoint exists (0 = none), see {@link
 *     ColdStartRequests}
 * @param coldStartEvery request every n-th frame during the cold start
 * @param importRoot the folder under which {@code POST /api/import} may read, or null: import off
 * @param labelersFile per-labeler tokens, hashed ({@link Labelers}), or null
 * @param claimSeconds how long a labeler's claim on a frame lasts
 * @param review whether masks wait for a reviewer before they go to {@code labels.masks}
 * @param classes the deployment's class set: masks of another are refused
 */
public record BridgeSettings(
    String bootstrap,
    Map<String, String> kafka,
    TopicCatalog topics,
    int httpPort,
    String token,
    Path stateDir,
    String applicationId,
    int coldStart,
    int coldStartEvery,
    Path importRoot,
    Path labelersFile,
    int claimSeconds,
    boolean review,
    ClassSet classes) {

  /** The settings, by name; {@link #TABLE} gives their defaults and meanings. */
  public enum Key implements SettingName {
    BOOTSTRAP,
    CLASSES,
    HTTP_PORT,
    TOKEN,
    TOKEN_FILE,
    LABELERS_FILE,
    CLAIM_SECONDS,
    REVIEW,
    IMPORT_ROOT,
    STATE_DIR,
    APPLICATION_ID,
    COLD_START,
    COLD_START_EVERY
  }

  /** Every setting of the service: its options, its README table. */
  public static final SettingTable TABLE =
      SettingTable.of(
          "labeling-bridge",
          "ALLSPARK_BRIDGE",
          Key.class,
          """
          HTTP_PORT         8082   port of the page, /api, /metrics and /health (0 = any free port)
          TOKEN             -      a shared bearer token (its holder is recorded as shared-token),
                                   8+ characters; prefer --labelers-file (one token per labeler),
                                   the variable or --token-file: a value on the command line shows
                                   in ps
          TOKEN_FILE        -      file holding the token (e.g. a mounted Secret), surrounding
                                   blanks ignored
          LABELERS_FILE     -      per-labeler tokens, hashed: lines 'sha256:HEX NAME [reviewer]'
                                   (allspark labelers add writes them); re-read when it changes, so
                                   deleting a line revokes a token
          CLAIM_SECONDS     1800   how long a labeler's claim on a frame lasts before it returns to
                                   the queue
          REVIEW            false  submitted masks wait for a reviewer (a labeler with the reviewer
                                   role) before they reach labels.masks
          IMPORT_ROOT       -      folder under which POST /api/import may read mask folders; unset:
                                   import is off
          STATE_DIR         /tmp/allspark-labeling-bridge  Kafka Streams state (rebuilt from
                                   changelogs if lost)
          APPLICATION_ID    allspark-labeling-bridge  Kafka Streams application id
          COLD_START        0      frames to request for labeling while no model exists yet, 0 =
                                   none
          COLD_START_EVERY  10     during the cold start, request every n-th frame
          """);

  public BridgeSettings {
    if (bootstrap == null || bootstrap.isBlank()) {
      throw new IllegalArgumentException(Key.BOOTSTRAP.label() + " is required");
    }
    if (labelersFile == null && token == null) {
      throw new IllegalArgumentException(
          "set "
              + Key.LABELERS_FILE.label()
              + " (one token per labeler), or a shared token with "
              + Key.TOKEN.label()
              + " or "
              + Key.TOKEN_FILE.label()
              + ": every call to the bridge is authenticated");
    }
    if (token != null && token.length() < 8) {
      throw new IllegalArgumentException(
          Key.TOKEN.label() + " must have at least 8 characters, got " + token.length());
    }
    if (claimSeconds < 1) {
      throw new IllegalArgumentException(
          Key.CLAIM_SECONDS.label() + " must be at least 1, got " + claimSeconds);
    }
    if (httpPort < 0 || httpPort > 65535) {
      throw new IllegalArgumentException(
          Key.HTTP_PORT.label() + " must be 0..65535, got " + httpPort);
    }
    if (stateDir == null) {
      throw new IllegalArgumentException(Key.STATE_DIR.label() + " is required");
    }
    if (applicationId == null || applicationId.isBlank()) {
      throw new IllegalArgumentException(Key.APPLICATION_ID.label() + " must not be empty");
    }
    if (coldStart < 0 || coldStartEvery < 1) {
      throw new IllegalArgumentException(
          Key.COLD_START.label() + " must be >= 0 and " + Key.COLD_START_EVERY.label() + " >= 1");
    }
  }

  /** Validated settings from environment-style values; errors name the setting. */
  public static BridgeSettings from(Map<String, String> values) {
    SettingValues p = new SettingValues(values);
    String token = p.text(Key.TOKEN);
    Path tokenFile = p.path(Key.TOKEN_FILE);
    if (tokenFile != null) {
      if (token != null && !token.isEmpty()) {
        throw new IllegalArgumentException(
            "set the token once: "
                + Key.TOKEN.label()
                + " or "
                + Key.TOKEN_FILE.label()
                + ", not both");
      }
      try {
        token = Files.readString(tokenFile).strip();
      } catch (IOException e) {
        throw new IllegalArgumentException(
            Key.TOKEN_FILE.label() + " " + tokenFile + " cannot be read: " + e, e);
      }
    }
    return new BridgeSettings(
        p.required(Key.BOOTSTRAP),
        KafkaOverrides.from(values),
        TopicCatalog.from(values),
        (int) p.integer(Key.HTTP_PORT, 0, 65535),
        token,
        p.path(Key.STATE_DIR),
        p.text(Key.APPLICATION_ID),
        (int) p.integer(Key.COLD_START, 0, Integer.MAX_VALUE),
        (int) p.integer(Key.COLD_START_EVERY, 1, Integer.MAX_VALUE),
        p.path(Key.IMPORT_ROOT),
        p.path(Key.LABELERS_FILE),
        (int) p.integer(Key.CLAIM_SECONDS, 1, Integer.MAX_VALUE),
        p.bool(Key.REVIEW),
        ClassSet.named(p.text(Key.CLASSES), Key.CLASSES.label()));
  }

  public static SettingsBuilder<BridgeSettings> builder(String bootstrap) {
    return new SettingsBuilder<>(BridgeSettings::from).set(Key.BOOTSTRAP, bootstrap);
  }
}

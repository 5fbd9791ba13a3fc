package dev.allspark.ingest;

import dev.allspark.ops.settings.SettingName;
import dev.allspark.ops.settings.SettingTable;
import dev.allspark.ops.settings.SettingValues;
import dev.allspark.ops.settings.SettingsBuilder;
import dev.allspark.schemas.kafka.KafkaOverrides;
import dev.allspark.schemas.kafka.TopicCatalog;
import java.nio.file.Path;
import java.util.Map;

/**
 * Every setting of the ingest service. Each has an environment variable and a command-line flag (a
 * flag wins); {@link #from(Map)} validates everything at start and names the setting in every
 * message; {@link #builder(String)} makes them in code the same way.
 *
 * @param fps frames per second per camera; 0 = as fast as the broker takes them
 * @param maxFrames stop after this many frames (0 = no limit)
 * @param decodeEvery decode every n-th frame in full at the edge (1 = all, 0 = none); every frame's
 *     signature, header and declared size are checked whatever it is
 */
public record IngestSettings(
    String bootstrap,
    Map<String, String> kafka,
    TopicCatalog topics,
    IngestService.Source source,
    Path folder,
    double fps,
    boolean loop,
    int start,
    boolean jpeg,
    int cameras,
    int width,
    int height,
    long seed,
    int httpPort,
    long maxFrames,
    int decodeEvery) {

  /** The settings, by name; {@link #TABLE} gives their defaults and meanings. */
  public enum Key implements SettingName {
    BOOTSTRAP,
    SOURCE,
    FOLDER,
    FPS,
    LOOP,
    START,
    JPEG,
    CAMERAS,
    SIZE,
    SEED,
    HTTP_PORT,
    MAX_FRAMES,
    DECODE_EVERY
  }

  /** Every setting of the service: its options, its README table. */
  public static final SettingTable TABLE =
      SettingTable.of(
          "ingest",
          "ALLSPARK_INGEST",
          Key.class,
          """
          SOURCE        synthetic  synthetic, folder or http
          FOLDER        -          folder to replay (CamVid or Cityscapes layout), for --source
                                   folder
          FPS           2          frames per second per camera, 0 = full speed
          LOOP          false      replay the folder again and again
          START         0          frames skipped at the start of each camera
          JPEG          false      re-encode frames as JPEG
          CAMERAS       4          cameras of the synthetic fleet
          SIZE          480x360    WIDTHxHEIGHT of the synthetic frames
          SEED          1          seed of the synthetic fleet
          HTTP_PORT     8081       port of POST /frames, /metrics and /health (0 = any free port, -1
                                   = no server)
          MAX_FRAMES    0          stop after this many frames, 0 = no limit
          DECODE_EVERY  100        decode every n-th frame in full at the edge (1 = all, 0 = none);
                                   every frame's signature, header and size are checked, and a frame
                                   that does not decode reaches the consumers' dead-letter topics
          """);

  public IngestSettings {
    if (fps < 0) {
      throw new IllegalArgumentException(Key.FPS.label() + " must be >= 0, got " + fps);
    }
    if (source == IngestService.Source.FOLDER && folder == null) {
      throw new IllegalArgumentException(Key.SOURCE.flag() + " folder needs " + Key.FOLDER.label());
    }
    if (source == IngestService.Source.SYNTHETIC && (cameras < 1 || width < 32 || height < 32)) {
      throw new IllegalArgumentException(
          "the synthetic fleet needs "
              + Key.CAMERAS.flag()
              + " >= 1 and "
              + Key.SIZE.flag()
              + " of at least 32x32");
    }
    if (source == IngestService.Source.HTTP && httpPort < 0) {
      throw new IllegalArgumentException(
          Key.SOURCE.flag() + " http needs " + Key.HTTP_PORT.label() + " >= 0");
    }
    if (start < 0) {
      throw new IllegalArgumentException(Key.START.label() + " must be >= 0, got " + start);
    }
  }

  /** Validated settings from environment-style values; errors name the setting. */
  public static IngestSettings from(Map<String, String> values) {
    SettingValues p = new SettingValues(values);
    int[] size = p.size(Key.SIZE, 1, 16384);
    return new IngestSettings(
        p.required(Key.BOOTSTRAP),
        KafkaOverrides.from(values),
        TopicCatalog.from(values),
        p.choice(Key.SOURCE, IngestService.Source.class),
        p.path(Key.FOLDER),
        p.decimal(Key.FPS, 0, 1e6),
        p.bool(Key.LOOP),
        (int) p.integer(Key.START, 0, Integer.MAX_VALUE),
        p.bool(Key.JPEG),
        (int) p.integer(Key.CAMERAS, 0, 10_000),
        size[0],
        size[1],
        p.integer(Key.SEED, Long.MIN_VALUE, Long.MAX_VALUE),
        (int) p.integer(Key.HTTP_PORT, -1, 65535),
        p.integer(Key.MAX_FRAMES, 0, Long.MAX_VALUE),
        (int) p.integer(Key.DECODE_EVERY, 0, Integer.MAX_VALUE));
  }

  public static SettingsBuilder<IngestSettings> builder(String bootstrap) {
    return new SettingsBuilder<>(IngestSettings::from).set(Key.BOOTSTRAP, bootstrap);
  }
}

package dev.allspark.ingest;

import dev.allspark.ops.settings.SettingKey;
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

  /** The settings, by name; {@link #TABLE} lists them in order. */
  public static final class Key {
    private Key() {}

    static final SettingTable TABLE = new SettingTable("ingest", "ALLSPARK_INGEST");
    public static final SettingKey BOOTSTRAP = TABLE.bootstrap();
    public static final SettingKey SOURCE =
        TABLE.key("SOURCE", "synthetic", "synthetic, folder or http");
    public static final SettingKey FOLDER =
        TABLE.key(
            "FOLDER", null, "folder to replay (CamVid or Cityscapes layout), for --source folder");
    public static final SettingKey FPS =
        TABLE.key("FPS", "2", "frames per second per camera, 0 = full speed");
    public static final SettingKey LOOP =
        TABLE.key("LOOP", "false", "replay the folder again and again");
    public static final SettingKey START =
        TABLE.key("START", "0", "frames skipped at the start of each camera");
    public static final SettingKey JPEG = TABLE.key("JPEG", "false", "re-encode frames as JPEG");
    public static final SettingKey CAMERAS =
        TABLE.key("CAMERAS", "4", "cameras of the synthetic fleet");
    public static final SettingKey SIZE =
        TABLE.key("SIZE", "480x360", "WIDTHxHEIGHT of the synthetic frames");
    public static final SettingKey SEED = TABLE.key("SEED", "1", "seed of the synthetic fleet");
    public static final SettingKey HTTP_PORT =
        TABLE.key(
            "HTTP_PORT",
            "8081",
            "port of POST /frames, /metrics and /health (0 = any free port, -1 = no server)");
    public static final SettingKey MAX_FRAMES =
        TABLE.key("MAX_FRAMES", "0", "stop after this many frames, 0 = no limit");
    public static final SettingKey DECODE_EVERY =
        TABLE.key(
            "DECODE_EVERY",
            "100",
            "decode every n-th frame in full at the edge (1 = all, 0 = none); every frame's"
                + " signature, header and size are checked, and a frame that does not decode"
                + " reaches the consumers' dead-letter topics");
  }

  /** Every setting of the service: its options, its README table. */
  public static final SettingTable TABLE = Key.TABLE;

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

  public static Builder builder(String bootstrap) {
    return new Builder().set(Key.BOOTSTRAP, bootstrap);
  }

  /** Settings in code, each by its name: {@code builder(b).source(FOLDER).folder(dir).build()}. */
  public static final class Builder extends SettingsBuilder<Builder, IngestSettings> {
    public Builder topics(TopicCatalog topics) {
      return putAll(topics.environment());
    }

    public Builder kafka(Map<String, ?> clientSettings) {
      return putAll(KafkaOverrides.environment(clientSettings));
    }

    public Builder source(IngestService.Source source) {
      return set(Key.SOURCE, source.name());
    }

    public Builder folder(Path folder) {
      return set(Key.FOLDER, folder);
    }

    public Builder fps(double fps) {
      return set(Key.FPS, fps);
    }

    public Builder loop(boolean loop) {
      return set(Key.LOOP, loop);
    }

    public Builder jpeg(boolean jpeg) {
      return set(Key.JPEG, jpeg);
    }

    public Builder cameras(int cameras) {
      return set(Key.CAMERAS, cameras);
    }

    public Builder size(int width, int height) {
      return set(Key.SIZE, width + "x" + height);
    }

    public Builder seed(long seed) {
      return set(Key.SEED, seed);
    }

    public Builder httpPort(int port) {
      return set(Key.HTTP_PORT, port);
    }

    public Builder maxFrames(long frames) {
      return set(Key.MAX_FRAMES, frames);
    }

    public Builder decodeEvery(int n) {
      return set(Key.DECODE_EVERY, n);
    }

    @Override
    public IngestSettings build() {
      return from(values());
    }
  }
}

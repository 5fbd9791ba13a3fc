package dev.allspark.bridge.cli;

import dev.allspark.bridge.BridgeSettings;
import dev.allspark.bridge.LabelingBridge;
import dev.allspark.ops.ShutdownSignal;
import dev.allspark.ops.settings.SettingOptions;
import dev.allspark.ops.settings.SettingTable;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code allspark labeling-bridge}: the labelers' API and page, and the mask join. */
@Command(
    name = "labeling-bridge",
    mixinStandardHelpOptions = true,
    modelTransformer = SettingOptions.Transformer.class,
    sortOptions = false,
    description = {
      "Serve the labelers' page and API; join their masks with the requested frames.",
      "The page and API are on http://HOST:PORT/; labels.masks is joined with",
      "frames.to-label into frames.labeled.",
      "Each option can also be set by the environment variable in brackets."
    })
public final class LabelingBridgeCommand implements Callable<Integer>, SettingOptions.Command {
  @Override
  public SettingTable settings() {
    return BridgeSettings.TABLE;
  }

  @Spec CommandSpec spec;

  /** The bridge's settings: the environment, then the options given here. */
  public BridgeSettings settings(Map<String, String> env) {
    return BridgeSettings.from(SettingOptions.values(spec, BridgeSettings.TABLE, env));
  }

  @Override
  public Integer call() throws Exception {
    BridgeSettings s = settings(System.getenv());
    // Ctrl-C / SIGTERM: stop, and hold the JVM until the topology has committed and closed
    ShutdownSignal stop = ShutdownSignal.register("labeling-bridge", Duration.ofSeconds(60));
    try (LabelingBridge bridge = new LabelingBridge(s).start()) {
      System.err.printf(
          "labeling-bridge: page and API on http://localhost:%d/ (Kafka %s)%n",
          bridge.httpPort(), s.bootstrap());
      while (!stop.await(30, TimeUnit.SECONDS)) {
        System.err.printf("labeling-bridge: %s%n", bridge.state());
      }
      return 0;
    } finally {
      stop.closed();
    }
  }
}

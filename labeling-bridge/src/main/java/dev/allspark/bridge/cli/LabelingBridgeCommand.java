package dev.allspark.bridge.cli;

import dev.allspark.bridge.BridgeSettings;
import dev.allspark.bridge.LabelingBridge;
import dev.allspark.ops.ServiceCommand;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code allspark labeling-bridge}: the labelers' API and page, and the mask join. */
@Command(
    name = "labeling-bridge",
    description = {
      "Serve the labelers' page and API; join their masks with the requested frames.",
      "The page and API are on http://HOST:PORT/; labels.masks is joined with",
      "frames.to-label into frames.labeled.",
      "Each option can also be set by the environment variable in brackets."
    })
public final class LabelingBridgeCommand extends ServiceCommand<BridgeSettings> {
  public LabelingBridgeCommand() {
    super(BridgeSettings.TABLE, "labeling-bridge", Duration.ofSeconds(60), Duration.ofSeconds(30));
  }

  @Override
  protected BridgeSettings parse(Map<String, String> values) {
    return BridgeSettings.from(values);
  }

  @Override
  protected Running start(BridgeSettings s) throws Exception {
    // Ctrl-C / SIGTERM: stop, and hold the JVM until the topology has committed and closed
    LabelingBridge bridge = new LabelingBridge(s).start();
    return Running.of(
        bridge,
        String.format(
            "page and API on http://localhost:%d/ (Kafka %s)", bridge.httpPort(), s.bootstrap()),
        () -> String.valueOf(bridge.state()));
  }
}

package dev.allspark.bridge.cli;

import dev.allspark.bridge.BridgeSettings;
import dev.allspark.bridge.LabelingBridge;
import dev.allspark.ops.ServiceCommand;
import picocli.CommandLine.Command;

/**
 * {@code allspark labeling-bridge}: the labelers' API and page, and the mask join. Ctrl-C / SIGTERM
 * stops it and holds the JVM until the topology has committed and closed.
 */
@Command(
    name = "labeling-bridge",
    description = {
      "Serve the labelers' page and API; join their masks with the requested frames.",
      "The page and API are on http://HOST:PORT/; labels.masks is joined with",
      "frames.to-label into frames.labeled."
    })
public final class LabelingBridgeCommand extends ServiceCommand<BridgeSettings> {
  public LabelingBridgeCommand() {
    super(BridgeSettings.TABLE, BridgeSettings::from, LabelingBridge::new, 60, 30);
  }
}

package dev.allspark.stack.demo;

import dev.allspark.ops.settings.SettingName;
import dev.allspark.ops.settings.SettingTable;
import dev.allspark.ops.settings.SettingValues;
import dev.allspark.ops.settings.SettingsBuilder;
import dev.allspark.schemas.labels.ClassSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The demo's settings ({@code allspark demo}'s options, {@link LocalStack}'s in code): what the
 * fleet replays, the model and its input size, how fast the simulated labelers answer, where the
 * state lives. Made like every service's: {@link #from(Map)} from environment-style values, {@link
 * #builder(Path)} by name in code.
 *
 * @param camvid a CamVid-layout image folder to replay (its annotations in {@code <folder>annot}
 *     are the labelers' ground truth), or null for the synthetic fleet
 * @param size frames of the synthetic fleet, WIDTHxHEIGHT
 * @param modelSize what the trainer and the inference service resize frames to
 * @param model {@code tiny} or {@code b0}
 * @param minutes how long {@code allspark demo} runs, 0 = until Ctrl-C
 * @param bootstrap an existing broker, or null to start one in this JVM
 * @param cityscapes a Cityscapes {@code leftImg8bit/<split>} folder to replay with the 19-class set
 *     (ground truth from {@code gtFine/<split>}), or null
 */
public record DemoSettings(
    Path camvid,
    Path cityscapes,
    int cameras,
    double fps,
    String size,
    String modelSize,
    String model,
    long labelDelayMillis,
    double labelFraction,
    int minLabels,
    int evalEvery,
    int dashboardPort,
    Path stateDir,
    String bootstrap,
    long seed,
    double minutes) {

  /** The settings, by name; {@link #TABLE} gives their defaults and meanings. */
  public enum Key implements SettingName {
    CAMVID,
    CITYSCAPES,
    CAMERAS,
    FPS,
    SIZE,
    MODEL_SIZE,
    MODEL,
    LABEL_DELAY,
    LABEL_FRACTION,
    MIN_LABELS,
    EVAL_EVERY,
    PORT,
    STATE_DIR,
    BOOTSTRAP,
    SEED,
    MINUTES
  }

  /** Every setting of the demo: its options, its variables. */
  public static final SettingTable TABLE =
      SettingTable.of(
          "demo",
          "ALLSPARK_DEMO",
          Key.class,
          """
          CAMVID          -        replay this CamVid image folder (e.g.
                                   ../shared/datasets/camvid/train) instead of the synthetic fleet;
                                   <folder>annot holds the labelers' ground truth
          CITYSCAPES      -        replay a Cityscapes leftImg8bit/<split> folder
                                   (<city>/<city>_<seq>_<frame>_leftImg8bit.png) with Cityscapes'
                                   19 classes; the labelers' ground truth is gtFine/<split>'s
                                   *_gtFine_labelIds.png, mapped to train ids
          CAMERAS         2        synthetic cameras
          FPS             2        frames per second per camera
          SIZE            320x240  synthetic frame size
          MODEL_SIZE      160x120  size the trainer and inference resize frames to
          MODEL           tiny     tiny (fast enough for a laptop CPU) or b0
          LABEL_DELAY     2        seconds the simulated labelers take per mask
          LABEL_FRACTION  0.15     fraction of frames sent for labeling
          MIN_LABELS      8        labeled frames the trainer waits for before it starts
          EVAL_EVERY      40       trainer steps between validations
          PORT            8080     dashboard port, 0 = any free port
          STATE_DIR       -        where the trainer and bridge keep state (unset: a new temporary
                                   folder)
          BOOTSTRAP       -        an existing broker (unset: start one in this JVM)
          SEED            1        seed of the synthetic fleet and the trainer
          MINUTES         0        stop after this many minutes (0: run until Ctrl-C)
          """);

  public DemoSettings {
    if (cityscapes != null && camvid != null) {
      throw new IllegalArgumentException(
          "replay " + Key.CAMVID.flag() + " or " + Key.CITYSCAPES.flag() + ", not both");
    }
    for (Key k : new Key[] {Key.CAMVID, Key.CITYSCAPES}) {
      Path folder = k == Key.CAMVID ? camvid : cityscapes;
      if (folder != null && !Files.isDirectory(folder)) {
        throw new IllegalArgumentException(k.label() + " " + folder + " is not a folder");
      }
    }
    if (cityscapes != null) {
      gtFine(cityscapes); // its labels must be there before anything starts
    }
    if (stateDir == null) {
      throw new IllegalArgumentException(Key.STATE_DIR.label() + " is required");
    }
  }

  /** The folder the fleet replays ({@link #camvid} or {@link #cityscapes}), or null. */
  public Path replay() {
    return camvid != null ? camvid : cityscapes;
  }

  /** The class set of what is replayed: Cityscapes' 19 train ids, else CamVid's 11 classes. */
  public ClassSet classes() {
    return cityscapes != null ? ClassSet.CITYSCAPES : ClassSet.CAMVID;
  }

  /** What the simulated labelers answer with: the replay's ground truth, or the fleet's own. */
  SimulatedLabelers.GroundTruth groundTruth() {
    if (cityscapes != null) {
      return SimulatedLabelers.cityscapes(gtFine(cityscapes), classes());
    }
    if (camvid != null) {
      return SimulatedLabelers.camvid(camvid.resolveSibling(camvid.getFileName() + "annot"));
    }
    String[] wh = size.split("x");
    return SimulatedLabelers.synthetic(seed, Integer.parseInt(wh[0]), Integer.parseInt(wh[1]));
  }

  /** {@code .../leftImg8bit/<split>} -> {@code .../gtFine/<split>}. */
  static Path gtFine(Path leftImg8bitSplit) {
    Path split = leftImg8bitSplit.toAbsolutePath().normalize();
    Path root = split.getParent();
    if (root == null || !root.getFileName().toString().equals("leftImg8bit")) {
      throw new IllegalArgumentException(
          Key.CITYSCAPES.flag()
              + " "
              + leftImg8bitSplit
              + " is not a Cityscapes leftImg8bit/<split> folder (its labels are looked for in"
              + " gtFine/<split>)");
    }
    Path gt = root.resolveSibling("gtFine").resolve(split.getFileName());
    if (!Files.isDirectory(gt)) {
      throw new IllegalArgumentException(
          Key.CITYSCAPES.flag()
              + " "
              + leftImg8bitSplit
              + ": its labels folder "
              + gt
              + " does not exist");
    }
    return gt;
  }

  /** Validated settings from environment-style values; errors name the setting. */
  public static DemoSettings from(Map<String, String> values) {
    SettingValues p = new SettingValues(values);
    String model = p.text(Key.MODEL);
    if (!model.equals("tiny") && !model.equals("b0")) {
      throw p.bad(Key.MODEL, model, "expected tiny or b0");
    }
    int[] size = p.size(Key.SIZE, 32, 8192);
    int[] modelSize = p.size(Key.MODEL_SIZE, 32, 8192);
    return new DemoSettings(
        p.path(Key.CAMVID),
        p.path(Key.CITYSCAPES),
        (int) p.integer(Key.CAMERAS, 1, 1000),
        p.decimal(Key.FPS, 0.001, 1000),
        size[0] + "x" + size[1],
        modelSize[0] + "x" + modelSize[1],
        model,
        Math.round(p.decimal(Key.LABEL_DELAY, 0, 3600) * 1000),
        p.fraction(Key.LABEL_FRACTION),
        (int) p.integer(Key.MIN_LABELS, 1, 100_000),
        (int) p.integer(Key.EVAL_EVERY, 1, 1_000_000),
        (int) p.integer(Key.PORT, 0, 65535),
        p.path(Key.STATE_DIR),
        p.text(Key.BOOTSTRAP),
        p.integer(Key.SEED, Long.MIN_VALUE, Long.MAX_VALUE),
        p.decimal(Key.MINUTES, 0, 1e6));
  }

  /** The demo's defaults (synthetic fleet, tiny model) with its state in {@code stateDir}. */
  public static SettingsBuilder<DemoSettings> builder(Path stateDir) {
    return new SettingsBuilder<>(DemoSettings::from).set(Key.STATE_DIR, stateDir);
  }
}

package dev.allspark.trainer.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.allspark.model.AllSparkNet;
import dev.allspark.model.Checkpoint;
import dev.allspark.model.ConfusionMatrix;
import dev.allspark.ops.settings.SettingName;
import dev.allspark.ops.settings.SettingTable;
import dev.allspark.ops.settings.SettingValues;
import dev.allspark.ops.settings.SettingsCommand;
import dev.allspark.trainer.CamVidFolder;
import dev.allspark.trainer.Evaluation;
import dev.allspark.trainer.ProgressLine;
import dev.allspark.trainer.RgbImage;
import dev.allspark.trainer.Sample;
import dev.allspark.trainer.TrainingData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine.Command;

/** {@code allspark evaluate}: mIoU and per-class IoU of a checkpoint on a folder pair. */
@Command(
    name = "evaluate",
    description = {
      "mIoU and per-class IoU of a checkpoint over every image in --images that has a label map",
      "of the same name in --labels (full resolution, one confusion matrix, void ignored)."
    })
public final class EvaluateCommand extends SettingsCommand {
  /** The options, by name; {@link #TABLE} gives their defaults and meanings. */
  public enum Key implements SettingName {
    CHECKPOINT,
    IMAGES,
    LABELS,
    JSON,
    INPUT_SCALE
  }

  /** Every option of {@code evaluate}. */
  public static final SettingTable TABLE =
      SettingTable.of(
          "evaluate",
          "ALLSPARK_EVALUATE",
          Key.class,
          """
          CHECKPOINT   -           the checkpoint file to score
          IMAGES       -           folder of frames (PNG or JPEG)
          LABELS       -           folder of label maps, one per frame, of the same name
          JSON         false       print JSON instead of a table
          INPUT_SCALE  checkpoint  the network sees each frame resized by the checkpoint's
                                   training scale (its inputScale: checkpoint) or by a factor in
                                   (0, 1]
          """);

  public EvaluateCommand() {
    super(TABLE);
  }

  @Override
  public Integer call() throws IOException {
    SettingValues p = settingValues();
    Path checkpoint = Path.of(p.required(Key.CHECKPOINT));
    Path images = Path.of(p.required(Key.IMAGES));
    Path labels = Path.of(p.required(Key.LABELS));
    String inputScaleOption = p.text(Key.INPUT_SCALE);
    Checkpoint ckpt = Checkpoint.read(checkpoint);
    List<String> names = new ArrayList<>();
    try (Stream<Path> files = Files.list(images)) {
      for (Path f : files.sorted().toList()) {
        String name = f.getFileName().toString();
        if (name.matches("(?i).*\\.(png|jpe?g)$") && Files.exists(labels.resolve(name))) {
          names.add(name);
        }
      }
    }
    if (names.isEmpty()) {
      throw new IllegalArgumentException(
          "no image in " + images + " has a label map of the same name in " + labels);
    }
    ProgressLine progress = new ProgressLine(System.err, "eval", names.size());
    try (NDManager manager = NDManager.newBaseManager(Engine.getInstance().defaultDevice())) {
      AllSparkNet net = ckpt.instantiate(manager);
      List<Sample> frames = new ArrayList<>();
      for (String name : names) {
        frames.add(
            new Sample(
                name,
                RgbImage.of(CamVidFolder.readImage(images.resolve(name))),
                CamVidFolder.readLabels(labels.resolve(name))));
      }
      // raw label ids (Cityscapes' labelIds) as the checkpoint's class ids
      frames = TrainingData.trainIds(frames, ckpt.classes());
      double inputScale;
      if (inputScaleOption.equalsIgnoreCase("checkpoint")) {
        inputScale = ckpt.inputScale();
        if (inputScale != 1.0) {
          System.err.printf("frames resized by %s for the network, as in training%n", inputScale);
        }
      } else {
        try {
          inputScale = Double.parseDouble(inputScaleOption);
        } catch (NumberFormatException e) {
          inputScale = Double.NaN;
        }
        if (!(inputScale > 0 && inputScale <= 1)) {
          throw p.bad(
              Key.INPUT_SCALE, inputScaleOption, "expected checkpoint or a factor in (0, 1]");
        }
        System.err.printf(
            "frames resized by %s for the network (the checkpoint trained at %s)%n",
            inputScale, ckpt.inputScale());
      }
      ConfusionMatrix m =
          Evaluation.run(net, manager, frames, inputScale, done -> progress.update(done, ""));
      if (p.bool(Key.JSON)) {
        System.out.println(Json.evaluation(checkpoint.toString(), ckpt.classes(), m, names.size()));
      } else {
        System.out.printf("%-12s %6s%n", "class", "IoU");
        double[] iou = m.iou();
        for (int c = 0; c < iou.length; c++) {
          System.out.printf("%-12s %5.1f%%%n", ckpt.classes().names().get(c), 100 * iou[c]);
        }
        System.out.printf("%-12s %5.1f%%  (%d frames)%n", "mIoU", 100 * m.meanIou(), names.size());
      }
      return 0;
    }
  }
}

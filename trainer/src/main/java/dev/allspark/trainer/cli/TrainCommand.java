package dev.allspark.trainer.cli;

import dev.allspark.model.ModelConfig;
import dev.allspark.ops.settings.SettingName;
import dev.allspark.ops.settings.SettingTable;
import dev.allspark.ops.settings.SettingValues;
import dev.allspark.ops.settings.SettingsCommand;
import dev.allspark.schemas.labels.ClassSet;
import dev.allspark.trainer.Method;
import dev.allspark.trainer.OfflineTraining;
import dev.allspark.trainer.Optimizer;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;

/** {@code allspark train}: offline training on a CamVid-layout folder. */
@Command(
    name = "train",
    description = {
      "Train offline on a CamVid-layout folder (train/, trainannot/, val/, valannot/, splits/),",
      "evaluate on val/ every --eval-every iterations and at the end, write a checkpoint."
    })
public final class TrainCommand extends SettingsCommand {
  /** The options, by name; {@link #TABLE} gives their defaults and meanings. */
  public enum Key implements SettingName {
    DATA,
    SPLIT,
    METHOD,
    ITERATIONS,
    CROP,
    BATCH,
    SEED,
    OUT,
    EVAL_EVERY,
    LR,
    LR_WARMUP,
    MEMORY_WARMUP,
    UNSUP_RAMPUP,
    PSEUDO_THRESHOLD,
    EMA_TEACHER,
    UNLABELED_PHOTOMETRIC,
    SUM_LOSSES,
    INPUT_SCALE,
    MODEL,
    OPTIMIZER,
    WEIGHT_DECAY,
    UNLABELED_FROM,
    CHECKPOINT_EVERY,
    RESUME,
    CLASSES,
    PRETRAINED
  }

  /** Every option of {@code train}: its {@code --help}, its variables. */
  public static final SettingTable TABLE =
      SettingTable.of(
          "train",
          "ALLSPARK_TRAIN",
          Key.class,
          """
          DATA                   -         CamVid-layout folder (train/, trainannot/, val/,
                                           valannot/, splits/)
          SPLIT                  1_8       label budget: 1_4, 1_8, 1_16 or full
          METHOD                 allspark  allspark, supervised, or self-training (the reference's
                                           baseline_semi ablation: AllSpark's pseudo-labels and loss
                                           without the cross-attention to unlabeled features)
          ITERATIONS             2000      training iterations
          CROP                   129       square training crop
          BATCH                  4         labeled images per iteration; AllSpark adds as many
                                           unlabeled
          SEED                   1         random seed
          OUT                    -         checkpoint to write at the end
          EVAL_EVERY             0         evaluate on val/ every N iterations; 0 = only at the end
          LR                     0.01      base learning rate
          LR_WARMUP              100       iterations of linear learning-rate warm-up
          MEMORY_WARMUP          200       iterations before the Semantic Memory is read
          UNSUP_RAMPUP           0         iterations over which the pseudo-label loss weight ramps
                                           from 0 to 1; 0 = the reference (full weight from the
                                           start)
          PSEUDO_THRESHOLD       0         pseudo-labelled pixels with a max softmax below this
                                           count nothing in the unsupervised loss; 0 = the reference
                                           (every pixel counts)
          EMA_TEACHER            0         make pseudo-labels with a mean teacher whose weights are
                                           an EMA of the network's with this decay (e.g. 0.99); 0 =
                                           the reference (the network labels its own unlabeled
                                           batch)
          UNLABELED_PHOTOMETRIC  false     the trained forward sees unlabeled images with the
                                           labeled images' colour jitter, grayscale and blur; the
                                           pseudo-labeling pass sees them without (not in the
                                           reference)
          SUM_LOSSES             false     loss = CE(labeled) + CE(unlabeled) instead of the
                                           reference's (CE(labeled) + CE(unlabeled)) / 2, which
                                           halves the labeled gradient relative to --method
                                           supervised at the same --lr
          INPUT_SCALE            1         train on frames resized by this factor (the random
                                           0.5-2.0x rescale and the crop come after), and evaluate
                                           with frames resized the same way, scores up-sampled to
                                           the full-resolution label map; recorded in the checkpoint,
                                           so that `evaluate` and the inference service see frames
                                           at this scale too
          MODEL                  b0        b0 or tiny
          OPTIMIZER              sgd       sgd (the reference: momentum 0.9) or adamw (SegFormer's
                                           own: betas 0.9/0.999)
          WEIGHT_DECAY           -         weight decay (unset: 1e-4 with sgd, 0.01 with adamw)
          UNLABELED_FROM         0         semi-supervised methods train on labeled frames alone for
                                           the first N iterations (a supervised warm start), then
                                           switch the unlabeled branch on; --memory-warmup counts
                                           from there
          CHECKPOINT_EVERY       0         write a resumable checkpoint to --out every N iterations
                                           (0 = only at the end)
          RESUME                 -         continue a run from a checkpoint of `train` (weights,
                                           optimizer, memory, teacher, iteration, evaluations so
                                           far): the schedule goes on where it stopped; the recipe
                                           options must be the ones the checkpoint records
          PRETRAINED             -         start the encoder from these weights (FILE.safetensors: a
                                           MiT / SegFormer encoder by its own tensor names, e.g.
                                           block1.0.attn.q.weight; see the model's README); ignored
                                           with --resume
          """);

  public TrainCommand() {
    super(TABLE);
  }

  @Override
  public Integer call() throws Exception {
    SettingValues p = settingValues();
    String methodName = p.text(Key.METHOD).toLowerCase(Locale.ROOT);
    Method m =
        switch (methodName) {
          case "allspark" -> Method.ALLSPARK;
          case "supervised" -> Method.SUPERVISED;
          case "self-training" -> Method.SELF_TRAINING;
          default ->
              throw p.bad(Key.METHOD, methodName, "expected allspark, supervised or self-training");
        };
    String split = p.text(Key.SPLIT);
    if (!split.matches("1_4|1_8|1_16|full")) {
      throw p.bad(Key.SPLIT, split, "expected 1_4, 1_8, 1_16 or full");
    }
    ClassSet classSet = ClassSet.named(p.text(Key.CLASSES), Key.CLASSES.label());
    int crop = (int) p.integer(Key.CROP, 16, 4096);
    ModelConfig config = ModelConfig.named(p.text(Key.MODEL), classSet.size(), crop);
    // supervised is the reference's baseline network: no AllSpark block between encoder and head
    config = config.withBottleneck(m != Method.SUPERVISED);
    Optimizer.Kind kind = Optimizer.Kind.parse(p.text(Key.OPTIMIZER), Key.OPTIMIZER.label());
    String weightDecay = p.text(Key.WEIGHT_DECAY);
    int iterations = (int) p.integer(Key.ITERATIONS, 0, Integer.MAX_VALUE);
    int batch = (int) p.integer(Key.BATCH, 1, 4096);
    OfflineTraining.Result result =
        new OfflineTraining(
                new OfflineTraining.Settings(
                    Path.of(p.required(Key.DATA)),
                    split,
                    m,
                    iterations,
                    crop,
                    batch,
                    p.integer(Key.SEED, Long.MIN_VALUE, Long.MAX_VALUE),
                    p.path(Key.OUT),
                    (int) p.integer(Key.EVAL_EVERY, 0, Integer.MAX_VALUE),
                    p.decimal(Key.LR, 0, 100),
                    (int) p.integer(Key.LR_WARMUP, 0, Integer.MAX_VALUE),
                    (int) p.integer(Key.MEMORY_WARMUP, 0, Integer.MAX_VALUE),
                    (int) p.integer(Key.UNSUP_RAMPUP, 0, Integer.MAX_VALUE),
                    (float) p.fraction(Key.PSEUDO_THRESHOLD),
                    (float) p.fraction(Key.EMA_TEACHER),
                    p.bool(Key.UNLABELED_PHOTOMETRIC),
                    p.bool(Key.SUM_LOSSES),
                    p.decimal(Key.INPUT_SCALE, 0, 1),
                    kind,
                    weightDecay == null
                        ? kind.defaultWeightDecay()
                        : (float) p.decimal(Key.WEIGHT_DECAY, 0, 10),
                    (int) p.integer(Key.UNLABELED_FROM, 0, Integer.MAX_VALUE),
                    (int) p.integer(Key.CHECKPOINT_EVERY, 0, Integer.MAX_VALUE),
                    p.path(Key.RESUME),
                    config,
                    p.path(Key.PRETRAINED),
                    classSet),
                System.err)
            .run();
    System.out.println(Json.trainingResult(m, split, iterations, crop, batch, classSet, result));
    return 0;
  }
}

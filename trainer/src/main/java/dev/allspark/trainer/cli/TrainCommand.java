package dev.allspark.trainer.cli;

import dev.allspark.model.ModelConfig;
import dev.allspark.schemas.labels.ClassSet;
import dev.allspark.trainer.Method;
import dev.allspark.trainer.OfflineTraining;
import dev.allspark.trainer.Optimizer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code allspark train}: offline training on a CamVid-layout folder. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Train offline on a CamVid-layout folder (train/, trainannot/, val/, valannot/, splits/),",
      "evaluate on val/ every --eval-every iterations and at the end, write a checkpoint."
    })
public final class TrainCommand implements Callable<Integer> {
  @Option(
      names = "--data",
      required = true,
      paramLabel = "DIR",
      description = "CamVid-layout folder.")
  Path data;

  @Option(
      names = "--split",
      defaultValue = "1_8",
      description = "Label budget: 1_4, 1_8, 1_16 or full (default: ${DEFAULT-VALUE}).")
  String split;

  @Option(
      names = "--method",
      defaultValue = "allspark",
      description =
          "allspark, supervised, or self-training (the reference's baseline_semi ablation:"
              + " AllSpark's pseudo-labels and loss without the cross-attention to unlabeled"
              + " features) (default: ${DEFAULT-VALUE}).")
  String method;

  @Option(
      names = "--iterations",
      defaultValue = "2000",
      description = "Training iterations (default: ${DEFAULT-VALUE}).")
  int iterations;

  @Option(
      names = "--crop",
      defaultValue = "129",
      description = "Square training crop (default: ${DEFAULT-VALUE}).")
  int crop;

  @Option(
      names = "--batch",
      defaultValue = "4",
      description =
          "Labeled images per iteration; AllSpark adds as many unlabeled (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--out", paramLabel = "FILE", description = "Checkpoint to write at the end.")
  Path out;

  @Option(
      names = "--eval-every",
      defaultValue = "0",
      description =
          "Evaluate on val/ every N iterations; 0 = only at the end (default: ${DEFAULT-VALUE}).")
  int evalEvery;

  @Option(
      names = "--lr",
      defaultValue = "0.01",
      description = "Base learning rate (default: ${DEFAULT-VALUE}).")
  double lr;

  @Option(
      names = "--lr-warmup",
      defaultValue = "100",
      description = "Iterations of linear learning-rate warm-up (default: ${DEFAULT-VALUE}).")
  int lrWarmup;

  @Option(
      names = "--memory-warmup",
      defaultValue = "200",
      description = "Iterations before the Semantic Memory is read (default: ${DEFAULT-VALUE}).")
  int memoryWarmup;

  @Option(
      names = "--unsup-rampup",
      defaultValue = "0",
      description =
          "Iterations over which the pseudo-label loss weight ramps from 0 to 1; 0 = the"
              + " reference (full weight from the start) (default: ${DEFAULT-VALUE}).")
  int unsupRampUp;

  @Option(
      names = "--pseudo-threshold",
      defaultValue = "0",
      description =
          "Pseudo-labelled pixels with a max softmax below this count nothing in the"
              + " unsupervised loss; 0 = the reference (every pixel counts)"
              + " (default: ${DEFAULT-VALUE}).")
  float pseudoThreshold;

  @Option(
      names = "--ema-teacher",
      defaultValue = "0",
      paramLabel = "DECAY",
      description =
          "Make pseudo-labels with a mean teacher whose weights are an EMA of the network's with"
              + " this decay (e.g. 0.99); 0 = the reference (the network labels its own"
              + " unlabeled batch) (default: ${DEFAULT-VALUE}).")
  float emaTeacher;

  @Option(
      names = "--unlabeled-photometric",
      description =
          "The trained forward sees unlabeled images with the labeled images' colour jitter,"
              + " grayscale and blur; the pseudo-labeling pass sees them without (not in the"
              + " reference).")
  boolean unlabeledPhotometric;

  @Option(
      names = "--sum-losses",
      description =
          "loss = CE(labeled) + CE(unlabeled) instead of the reference's (CE(labeled) +"
              + " CE(unlabeled)) / 2, which halves the labeled gradient relative to"
              + " --method supervised at the same --lr.")
  boolean sumLosses;

  @Option(
      names = "--input-scale",
      defaultValue = "1",
      description =
          "Train on frames resized by this factor (the random 0.5-2.0x rescale and the crop come"
              + " after), and evaluate with frames resized the same way, scores up-sampled to the"
              + " full-resolution label map; recorded in the checkpoint for `evaluate`. The"
              + " inference service runs at full resolution (default: ${DEFAULT-VALUE}).")
  double inputScale;

  @Option(names = "--model", defaultValue = "b0", description = "b0 (default) or tiny.")
  String model;

  @Option(
      names = "--optimizer",
      defaultValue = "sgd",
      description =
          "sgd (the reference: momentum 0.9) or adamw (SegFormer's own: betas 0.9/0.999)"
              + " (default: ${DEFAULT-VALUE}).")
  String optimizer;

  @Option(
      names = "--weight-decay",
      paramLabel = "WD",
      description = "Weight decay (default: 1e-4 with sgd, 0.01 with adamw).")
  Float weightDecay;

  @Option(
      names = "--unlabeled-from",
      defaultValue = "0",
      paramLabel = "N",
      description =
          "Semi-supervised methods train on labeled frames alone for the first N iterations (a"
              + " supervised warm start), then switch the unlabeled branch on; --memory-warmup"
              + " counts from there (default: ${DEFAULT-VALUE}).")
  int unlabeledFrom;

  @Option(
      names = "--checkpoint-every",
      defaultValue = "0",
      paramLabel = "N",
      description =
          "Write a resumable checkpoint to --out every N iterations (0 = only at the end)"
              + " (default: ${DEFAULT-VALUE}).")
  int checkpointEvery;

  @Option(
      names = "--resume",
      paramLabel = "FILE",
      description =
          "Continue a run from a checkpoint of `train` (weights, optimizer, memory, teacher,"
              + " iteration, evaluations so far): the schedule goes on where it stopped. The"
              + " recipe options must be the ones the checkpoint records.")
  Path resume;

  @Option(
      names = "--classes",
      defaultValue = "camvid",
      paramLabel = "NAME|FILE",
      description =
          "Class set: camvid (default), cityscapes, or a class set JSON file. Label maps hold"
              + " its class ids, or raw ids its mapping turns into them (Cityscapes labelIds).")
  String classes;

  @Option(
      names = "--pretrained",
      paramLabel = "FILE",
      description =
          "Start the encoder from these weights (FILE.safetensors: a MiT / SegFormer encoder by"
              + " its own tensor names, e.g. block1.0.attn.q.weight; see the model's README)."
              + " Ignored with --resume.")
  Path pretrained;

  @Override
  public Integer call() throws Exception {
    Method m =
        switch (method.toLowerCase(Locale.ROOT)) {
          case "allspark" -> Method.ALLSPARK;
          case "supervised" -> Method.SUPERVISED;
          case "self-training" -> Method.SELF_TRAINING;
          default ->
              throw new IllegalArgumentException(
                  "--method " + method + ": expected allspark, supervised or self-training");
        };
    if (!split.matches("1_4|1_8|1_16|full")) {
      throw new IllegalArgumentException("--split " + split + ": expected 1_4, 1_8, 1_16 or full");
    }
    ClassSet classSet = ClassSet.named(classes, "--classes");
    ModelConfig config = ModelConfig.named(model, classSet.size(), crop);
    // supervised is the reference's baseline network: no AllSpark block between encoder and head
    config = config.withBottleneck(m != Method.SUPERVISED);
    Optimizer.Kind kind = Optimizer.Kind.parse(optimizer, "--optimizer");
    OfflineTraining.Result result =
        new OfflineTraining(
                new OfflineTraining.Settings(
                    data,
                    split,
                    m,
                    iterations,
                    crop,
                    batch,
                    seed,
                    out,
                    evalEvery,
                    lr,
                    lrWarmup,
                    memoryWarmup,
                    unsupRampUp,
                    pseudoThreshold,
                    emaTeacher,
                    unlabeledPhotometric,
                    sumLosses,
                    inputScale,
                    kind,
                    weightDecay != null ? weightDecay : kind.defaultWeightDecay(),
                    unlabeledFrom,
                    checkpointEvery,
                    resume,
                    config,
                    pretrained,
                    classSet),
                System.err)
            .run();
    System.out.println(Json.trainingResult(m, split, iterations, crop, batch, classSet, result));
    return 0;
  }
}

package dev.allspark.stack.chaos;

import dev.allspark.ops.settings.SettingName;
import dev.allspark.ops.settings.SettingTable;
import dev.allspark.ops.settings.SettingValues;
import dev.allspark.ops.settings.SettingsCommand;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.schemas.kafka.TopicsInitializer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;

/**
 * {@code allspark chaos}: the reliability suite. It starts a standalone KRaft broker and the
 * product's services as separate processes on loopback and breaks them as an operator's worst day
 * would, then counts what came out:
 *
 * <ol>
 *   <li><b>delivery</b>: the synthetic fleet through ingest into inference while inference is
 *       killed with SIGKILL at random moments (once restarted under another instance id) and the
 *       broker is killed and kept down for longer than twice the producers' {@code
 *       delivery.timeout.ms}; every frame must reach {@code camera.frames} and get exactly one
 *       result on {@code segmentations} (read_committed).
 *   <li><b>slow clients</b>: clients that declare a body and never send it hold connections to
 *       ingest and the bridge while {@code /health/live} is probed.
 *   <li><b>malformed input</b>: a catalogue of bad pushes to ingest (each must be refused with its
 *       status) and of bad records on {@code camera.frames} and {@code labels.masks} (each must
 *       reach a DLQ with a readable reason).
 *   <li><b>labels during training</b>: labeled frames arrive one by one while the trainer trains;
 *       the time until the trainer has seen each; then the trainer is killed and must resume.
 *   <li><b>versions</b>: inference start-up and memory with 5 and with 200 versions published.
 * </ol>
 *
 * <p>The parts: {@link DeliveryFaults}, {@link InputFaults}, {@link LabelFaults}, {@link
 * VersionFaults}; what they share (report, broker, services, helpers) is {@link ChaosRun}.
 *
 * <p>It prints the figures as JSON and exits 1 when anything was lost, duplicated, accepted that
 * should not be, or too slow.
 */
@Command(
    name = "chaos",
    description = {
      "Reliability suite: real processes on a standalone broker, killed and starved on loopback;",
      "prints counts (sent, committed, lost, duplicated, DLQ reasons, refusals) as JSON and exits",
      "1 on any loss, duplicate, accepted bad input or slow health answer."
    })
public final class ChaosCommand extends SettingsCommand {
  enum Key implements SettingName {
    KILLS,
    FRAMES,
    DELIVERY_TIMEOUT_MS,
    LABELS,
    WORK_DIR,
    SEED,
    ONLY_VERSIONS
  }

  static final SettingTable TABLE =
      SettingTable.of(
          "chaos",
          "ALLSPARK_CHAOS",
          Key.class,
          """
          KILLS                10     SIGKILLs of inference
          FRAMES               800    frames the fleet sends
          DELIVERY_TIMEOUT_MS  10000  the producers' delivery.timeout.ms; the broker outage lasts
                                      2.5 times it
          LABELS               40     labels sent during training
          WORK_DIR             -      logs and data (unset: a new temporary folder)
          SEED                 1      random seed of the kill times
          ONLY_VERSIONS        false  run only the last part (inference start-up with 5 and 200
                                      versions)
          """);

  public ChaosCommand() {
    super(TABLE);
  }

  @Override
  public Integer call() throws Exception {
    SettingValues p = settingValues();
    ChaosRun run =
        new ChaosRun(
            (int) p.integer(Key.KILLS, 0, 1000),
            (int) p.integer(Key.FRAMES, 1, 1_000_000),
            (int) p.integer(Key.DELIVERY_TIMEOUT_MS, 1000, 600_000),
            (int) p.integer(Key.LABELS, 0, 100_000),
            p.integer(Key.SEED, Long.MIN_VALUE, Long.MAX_VALUE));
    Path workDir = p.path(Key.WORK_DIR);
    Path dir =
        workDir != null
            ? Files.createDirectories(workDir)
            : Files.createTempDirectory("allspark-chaos-");
    System.err.println("chaos: logs and data in " + dir);
    run.topics = TopicCatalog.from(Map.of());
    StandaloneBroker broker = new StandaloneBroker(dir);
    broker.start();
    run.bootstrap = broker.bootstrap();
    run.report.put("broker", run.bootstrap);
    try {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", run.bootstrap))) {
        new TopicsInitializer(admin, run.topics, (short) 1).run();
      }
      if (!p.bool(Key.ONLY_VERSIONS)) {
        run.publishTinyModel();
        Service inference = new DeliveryFaults(run).delivery(dir, broker);
        new InputFaults(run).slowAndMalformed(dir, inference);
        new LabelFaults(run).labelsDuringTraining(dir);
      }
      new VersionFaults(run).versions(dir);
    } finally {
      for (Service s : run.services) {
        s.stop(20);
      }
      broker.stop();
    }
    run.report.put("failures", run.failures);
    run.report.put("passed", run.failures.isEmpty());
    System.out.println(dev.allspark.ops.Json.pretty(run.report));
    return run.failures.isEmpty() ? 0 : 1;
  }
}

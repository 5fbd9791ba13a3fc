package dev.allspark.stack.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.kafka.TopicCatalog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart through a real helm v4 binary ({@code bin/install-helm}, which {@code .ci/run}
 * calls): {@code helm lint} and {@code helm template} with the default, pinned-version, GPU and
 * autoscaling values, asserting the rendered objects. Skipped with a message where no helm is
 * installed.
 */
class HelmChartTest {
  private static final Path ROOT = Path.of(System.getProperty("allspark.root.dir", ".."));
  private static final Path CHART = ROOT.resolve("helm/allspark-stream");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static String helm;

  record Run(int exit, String out) {}

  @BeforeAll
  static void findHelm() throws Exception {
    for (String candidate :
        new String[] {
          System.getProperty("allspark.helm"), ROOT.resolve(".tools/helm/helm").toString(), "helm"
        }) {
      if (candidate == null) {
        continue;
      }
      try {
        Run v = run(List.of(candidate, "version", "--short"));
        if (v.exit() == 0 && v.out().startsWith("v4.")) {
          helm = candidate;
          return;
        }
      } catch (IOException e) {
        // not there
      }
    }
    assumeTrue(false, "chart tests skipped: no helm v4 (run bin/install-helm; .ci/run does)");
  }

  private static Run run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("helm did not finish: " + command);
    }
    return new Run(p.exitValue(), out);
  }

  private static Run helm(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(helm));
    command.addAll(List.of(args));
    return run(command);
  }

  /** {@code helm template} of the default values with these {@code --set} values (may fail). */
  /** The default values with {@code set} fail to render, and the output says {@code why}. */
  private static void assertRefused(String set, String why) throws Exception {
    Run r = withDefaults(set);
    assertThat(r.exit()).as(set + ": " + r.out()).isNotZero();
    assertThat(r.out()).as(set).contains(why);
  }

  private static Run withDefaults(String... sets) throws Exception {
    List<String> a =
        new ArrayList<>(
            List.of(
                "template",
                "rel",
                CHART.toString(),
                "-f",
                CHART.resolve("ci/default-values.yaml").toString()));
    for (String set : sets) {
      a.add("--set");
      a.add(set);
    }
    return helm(a.toArray(String[]::new));
  }

  /** The rendered objects of {@code helm template} with these values files and --set flags. */
  /** Renderings by their arguments: each values file and set of overrides is rendered once. */
  private static final Map<List<String>, List<JsonNode>> RENDERED = new ConcurrentHashMap<>();

  /** The documents {@code helm template} renders with these values files and overrides. */
  private static List<JsonNode> template(String... args) throws Exception {
    List<JsonNode> docs = RENDERED.get(List.of(args));
    if (docs == null) {
      docs = List.copyOf(render(args));
      RENDERED.put(List.of(args), docs);
    }
    return docs;
  }

  private static List<JsonNode> render(String... args) throws Exception {
    List<String> a = new ArrayList<>(List.of("template", "rel", CHART.toString()));
    for (String arg : args) {
      if (arg.endsWith(".yaml")) {
        a.add("-f");
        a.add(CHART.resolve("ci").resolve(arg).toString());
      } else {
        a.add("--set");
        a.add(arg);
      }
    }
    Run r = helm(a.toArray(String[]::new));
    assertThat(r.exit()).as(r.out()).isZero();
    List<JsonNode> docs = new ArrayList<>();
    try (YAMLParser parser = new YAMLFactory().createParser(r.out())) {
      for (JsonNode doc : YAML.readValues(parser, JsonNode.class).readAll()) {
        if (doc != null && doc.has("kind")) {
          docs.add(doc);
        }
      }
    }
    return docs;
  }

  /** The config checksum on the ingest Deployment's pod template (what rolls its pods). */
  private static String ingestConfigChecksum(List<JsonNode> docs) {
    return text(
        find(docs, "Deployment", "rel-allspark-stream-ingest"),
        "spec",
        "template",
        "metadata",
        "annotations",
        "checksum/config");
  }

  private static JsonNode find(List<JsonNode> docs, String kind, String name) {
    return docs.stream()
        .filter(d -> d.path("kind").asText().equals(kind))
        .filter(d -> text(d, "metadata", "name").equals(name))
        .findFirst()
        .orElse(MissingNode.getInstance());
  }

  private static long count(List<JsonNode> docs, String kind) {
    return docs.stream().filter(d -> d.path("kind").asText().equals(kind)).count();
  }

  private static JsonNode container(JsonNode deployment) {
    return deployment.path("spec").path("template").path("spec").path("containers").path(0);
  }

  private static String env(JsonNode container, String name) {
    for (JsonNode e : container.path("env")) {
      if (e.path("name").asText().equals(name)) {
        return e.has("value") ? e.path("value").asText() : e.path("valueFrom").toString();
      }
    }
    return null;
  }

  @Test
  void lintPassesWithEveryValuesFile() throws Exception {
    for (String values :
        List.of(
            "default-values.yaml",
            "pinned-values.yaml",
            "gpu-values.yaml",
            "autoscaling-values.yaml",
            "operator-values.yaml")) {
      Run r =
          helm(
              "lint", "--strict", CHART.toString(), "-f", CHART.resolve("ci/" + values).toString());
      assertThat(r.exit()).as(values + ": " + r.out()).isZero();
      assertThat(r.out()).contains("0 chart(s) failed");
    }
  }

  @Test
  void defaultsDeployEveryServiceSecurelyAndFollowTheNewestModel() throws Exception {
    List<JsonNode> docs = template("default-values.yaml");
    assertThat(count(docs, "Deployment")).isEqualTo(4);
    assertThat(count(docs, "PersistentVolumeClaim")).isEqualTo(2);
    assertThat(count(docs, "HorizontalPodAutoscaler")).isZero();
    assertThat(count(docs, "Ingress")).isZero();

    assertThat(text(shared(docs), "ALLSPARK_BOOTSTRAP"))
        .isEqualTo("kafka-0.kafka:9092,kafka-1.kafka:9092");

    for (String service : List.of("ingest", "bridge", "trainer", "inference")) {
      JsonNode d = find(docs, "Deployment", "rel-allspark-stream-" + service);
      assertThat(d.isMissingNode()).as(service).isFalse();
      JsonNode pod = d.path("spec").path("template");
      JsonNode c = container(d);
      // secure defaults
      assertThat(pod.path("spec").path("securityContext").path("runAsNonRoot").asBoolean())
          .isTrue();
      assertThat(c.path("securityContext").path("readOnlyRootFilesystem").asBoolean()).isTrue();
      assertThat(c.path("securityContext").path("allowPrivilegeEscalation").asBoolean()).isFalse();
      assertThat(c.path("securityContext").path("capabilities").path("drop").toString())
          .contains("ALL");
      assertThat(c.path("resources").path("limits").path("memory").isMissingNode()).isFalse();
      assertThat(c.path("resources").path("requests").path("cpu").isMissingNode()).isFalse();
      // config changes roll pods; Prometheus scrapes /metrics on the service's port
      JsonNode annotations = pod.path("metadata").path("annotations");
      assertThat(annotations.path("checksum/config").asText()).hasSize(64);
      assertThat(annotations.path("prometheus.io/scrape").asText()).isEqualTo("true");
      assertThat(annotations.path("prometheus.io/port").asText())
          .isEqualTo(c.path("ports").path(0).path("containerPort").asText());
      // the shared settings and a writable /tmp under a read-only root
      assertThat(c.path("envFrom").path(0).path("configMapRef").path("name").asText())
          .isEqualTo("rel-allspark-stream");
      assertThat(c.path("volumeMounts").toString()).contains("/tmp");
      // freed native memory is kept for reuse (model/README.md, "Native memory")
      assertThat(env(c, "GLIBC_TUNABLES")).contains("glibc.malloc.top_pad=268435456");
    }

    JsonNode inference = find(docs, "Deployment", "rel-allspark-stream-inference");
    assertThat(inference.path("spec").path("replicas").asInt()).isEqualTo(2);
    assertThat(env(container(inference), "ALLSPARK_INFERENCE_MODEL_VERSION")).isEqualTo("latest");
    assertThat(env(container(inference), "ALLSPARK_INFERENCE_INSTANCE_ID"))
        .contains("metadata.name");
    assertThat(container(inference).path("image").asText())
        .isEqualTo("ghcr.io/allspark-stream/allspark-inference:0.1.0");

    JsonNode trainer = find(docs, "Deployment", "rel-allspark-stream-trainer");
    assertThat(trainer.path("spec").path("replicas").asInt()).isEqualTo(1);
    assertThat(text(trainer, "spec", "strategy", "type")).isEqualTo("Recreate");
    assertThat(container(trainer).path("resources").path("limits").has("nvidia.com/gpu")).isFalse();
    assertThat(
            text(
                find(docs, "PersistentVolumeClaim", "rel-allspark-stream-trainer-state"),
                "metadata",
                "annotations",
                "helm.sh/resource-policy"))
        .isEqualTo("keep");

    // the bridge's token comes from the chart's Secret; it asks for the first labels
    JsonNode bridge = find(docs, "Deployment", "rel-allspark-stream-bridge");
    assertThat(env(container(bridge), "ALLSPARK_BRIDGE_COLD_START")).isEqualTo("50");
    assertThat(env(container(bridge), "ALLSPARK_BRIDGE_TOKEN"))
        .contains("rel-allspark-stream-bridge");
    assertThat(text(find(docs, "Secret", "rel-allspark-stream-bridge"), "data", "token"))
        .isNotEmpty();
    // topics are created before install and upgrade
    JsonNode job = find(docs, "Job", "rel-allspark-stream-topics");
    assertThat(text(job, "metadata", "annotations", "helm.sh/hook"))
        .isEqualTo("pre-install,pre-upgrade");
    assertThat(container(job).path("args").toString()).contains("topics", "create");
  }

  @Test
  void pinningAVersionRollsInferenceBackAndChangesNothingElse() throws Exception {
    List<JsonNode> latest = template("default-values.yaml");
    List<JsonNode> pinned = template("default-values.yaml", "inference.model.version=12");
    JsonNode inference = find(pinned, "Deployment", "rel-allspark-stream-inference");
    assertThat(env(container(inference), "ALLSPARK_INFERENCE_MODEL_VERSION")).isEqualTo("12");
    assertThat(text(inference, "metadata", "annotations", "allspark.dev/model-version"))
        .isEqualTo("12");
    // the pinned file gives the same
    JsonNode fromFile =
        find(template("pinned-values.yaml"), "Deployment", "rel-allspark-stream-inference");
    assertThat(env(container(fromFile), "ALLSPARK_INFERENCE_MODEL_VERSION")).isEqualTo("12");
    // only inference changes: the trainer keeps publishing
    assertThat(find(pinned, "Deployment", "rel-allspark-stream-trainer").path("spec"))
        .isEqualTo(find(latest, "Deployment", "rel-allspark-stream-trainer").path("spec"));

    assertRefused("inference.model.version=newest", "/inference/model/version");
  }

  @Test
  void inferenceServesAtTheCheckpointsTrainingScaleUnlessAScaleIsSet() throws Exception {
    JsonNode byDefault =
        find(template("default-values.yaml"), "Deployment", "rel-allspark-stream-inference");
    assertThat(env(container(byDefault), "ALLSPARK_INFERENCE_INPUT_SCALE")).isEqualTo("checkpoint");
    JsonNode half =
        find(
            template("default-values.yaml", "inference.inputScale=0.5"),
            "Deployment",
            "rel-allspark-stream-inference");
    assertThat(env(container(half), "ALLSPARK_INFERENCE_INPUT_SCALE")).isEqualTo("0.5");
    for (String wrong : List.of("2", "0", "half")) {
      assertRefused("inference.inputScale=" + wrong, "/inference/inputScale");
    }
  }

  @Test
  void gpuValuesRequestGpusOnGpuNodesWithTheGpuImages() throws Exception {
    List<JsonNode> docs = template("gpu-values.yaml");
    JsonNode trainer = find(docs, "Deployment", "rel-allspark-stream-trainer");
    JsonNode c = container(trainer);
    assertThat(c.path("resources").path("limits").path("nvidia.com/gpu").asInt()).isEqualTo(1);
    assertThat(text(c, "resources", "limits", "memory")).isEqualTo("8Gi");
    assertThat(c.path("image").asText()).endsWith("allspark-trainer:0.1.0-gpu");
    assertThat(env(c, "ALLSPARK_TRAINER_DEVICE")).isEqualTo("gpu");
    JsonNode spec = trainer.path("spec").path("template").path("spec");
    assertThat(text(spec, "nodeSelector", "accelerator")).isEqualTo("nvidia-l4");
    assertThat(spec.path("tolerations").path(0).path("key").asText()).isEqualTo("nvidia.com/gpu");
    JsonNode inference = container(find(docs, "Deployment", "rel-allspark-stream-inference"));
    assertThat(inference.path("resources").path("limits").path("nvidia.com/gpu").asInt())
        .isEqualTo(1);
    assertThat(inference.path("image").asText()).endsWith("-gpu");
    // ingest and the bridge need no GPU
    assertThat(
            container(find(docs, "Deployment", "rel-allspark-stream-ingest"))
                .path("image")
                .asText())
        .doesNotEndWith("-gpu");
  }

  @Test
  void autoscalingSecurityAndIngressValues() throws Exception {
    List<JsonNode> docs = template("autoscaling-values.yaml");
    JsonNode hpa = find(docs, "HorizontalPodAutoscaler", "rel-allspark-stream-inference");
    assertThat(hpa.path("spec").path("minReplicas").asInt()).isEqualTo(2);
    assertThat(hpa.path("spec").path("maxReplicas").asInt()).isEqualTo(6);
    assertThat(text(hpa, "spec", "scaleTargetRef", "name"))
        .isEqualTo("rel-allspark-stream-inference");
    assertThat(
            hpa.path("spec")
                .path("metrics")
                .path(0)
                .path("resource")
                .path("target")
                .path("averageUtilization")
                .asInt())
        .isEqualTo(65);
    // the HPA owns the replica count
    assertThat(
            find(docs, "Deployment", "rel-allspark-stream-inference").path("spec").has("replicas"))
        .isFalse();
    // SASL/TLS from Secrets, on every Kafka client
    JsonNode c = container(find(docs, "Deployment", "rel-allspark-stream-trainer"));
    assertThat(env(c, "ALLSPARK_KAFKA_SASL_JAAS_CONFIG")).contains("kafka-jaas");
    assertThat(env(c, "ALLSPARK_KAFKA_SSL_TRUSTSTORE_PASSWORD")).contains("kafka-truststore");
    assertThat(env(c, "ALLSPARK_KAFKA_SSL_TRUSTSTORE_LOCATION"))
        .isEqualTo("/etc/allspark/kafka-tls/truststore.p12");
    assertThat(text(shared(docs), "ALLSPARK_KAFKA_SECURITY_PROTOCOL")).isEqualTo("SASL_SSL");
    // the bridge behind an Ingress with TLS, its token from the operator's Secret
    JsonNode ingress = find(docs, "Ingress", "rel-allspark-stream-bridge");
    assertThat(ingress.path("spec").path("rules").path(0).path("host").asText())
        .isEqualTo("labeling.fleet.example");
    assertThat(ingress.path("spec").path("tls").path(0).path("secretName").asText())
        .isEqualTo("labeling-tls");
    assertThat(count(docs, "Secret")).isZero();
    assertThat(
            env(
                container(find(docs, "Deployment", "rel-allspark-stream-bridge")),
                "ALLSPARK_BRIDGE_TOKEN"))
        .contains("labeling-token");
  }

  @Test
  void theBridgeTakesPerLabelerTokensFromASecretWithReviewAndClaimTime() throws Exception {
    List<JsonNode> docs =
        template(
            "default-values.yaml",
            "bridge.labelersSecret=labelers",
            "bridge.sharedToken=false",
            "bridge.review=true",
            "bridge.claimSeconds=900");
    JsonNode bridge = find(docs, "Deployment", "rel-allspark-stream-bridge");
    JsonNode c = container(bridge);
    assertThat(env(c, "ALLSPARK_BRIDGE_LABELERS_FILE"))
        .isEqualTo("/etc/allspark/labelers/labelers");
    assertThat(env(c, "ALLSPARK_BRIDGE_REVIEW")).isEqualTo("true");
    assertThat(env(c, "ALLSPARK_BRIDGE_CLAIM_SECONDS")).isEqualTo("900");
    assertThat(env(c, "ALLSPARK_BRIDGE_TOKEN")).isNull();
    assertThat(count(docs, "Secret")).isZero();
    JsonNode volumes = bridge.path("spec").path("template").path("spec").path("volumes");
    assertThat(volumes.findValuesAsText("secretName")).contains("labelers");
    assertThat(c.path("volumeMounts").findValuesAsText("mountPath"))
        .contains("/etc/allspark/labelers");
    // by default: the shared token only, no review, 30-minute claims
    List<JsonNode> plain = template("default-values.yaml");
    JsonNode p = container(find(plain, "Deployment", "rel-allspark-stream-bridge"));
    assertThat(env(p, "ALLSPARK_BRIDGE_LABELERS_FILE")).isNull();
    assertThat(env(p, "ALLSPARK_BRIDGE_REVIEW")).isEqualTo("false");
    assertThat(env(p, "ALLSPARK_BRIDGE_CLAIM_SECONDS")).isEqualTo("1800");
    assertThat(env(p, "ALLSPARK_BRIDGE_TOKEN")).contains("rel-allspark-stream-bridge");
    // no shared token and no labelers: nobody could sign in, so the chart says so
    Run nobody =
        helm(
            "template",
            "rel",
            CHART.toString(),
            "-f",
            CHART.resolve("ci").resolve("default-values.yaml").toString(),
            "--set",
            "bridge.sharedToken=false");
    assertThat(nobody.exit()).isNotZero();
    assertThat(nobody.out()).contains("set bridge.labelersSecret");
  }

  @Test
  void theSchemaRegistryIsOneValueForEveryServiceAndTheTopicsJob() throws Exception {
    List<JsonNode> docs =
        template(
            "default-values.yaml",
            "schemaRegistry.url=http://registry:8081",
            "schemaRegistry.basicAuth.existingSecret=registry-auth");
    assertThat(text(shared(docs), "ALLSPARK_SCHEMA_REGISTRY_URL"))
        .isEqualTo("http://registry:8081");
    for (String service : List.of("ingest", "bridge", "trainer", "inference")) {
      JsonNode c = container(find(docs, "Deployment", "rel-allspark-stream-" + service));
      assertThat(env(c, "ALLSPARK_SCHEMA_REGISTRY_BASIC_AUTH"))
          .as(service)
          .contains("registry-auth")
          .contains("basic-auth");
    }
    JsonNode job =
        docs.stream().filter(d -> d.path("kind").asText().equals("Job")).findFirst().orElseThrow();
    JsonNode jobContainer =
        job.path("spec").path("template").path("spec").path("containers").path(0);
    assertThat(env(jobContainer, "ALLSPARK_SCHEMA_REGISTRY_URL")).isEqualTo("http://registry:8081");
    assertThat(env(jobContainer, "ALLSPARK_SCHEMA_REGISTRY_BASIC_AUTH")).contains("registry-auth");
    // off by default: single-object encoding, nothing about a registry
    assertThat(shared(template("default-values.yaml")).has("ALLSPARK_SCHEMA_REGISTRY_URL"))
        .isFalse();
    assertRefused("schemaRegistry.url=registry:8081", "/schemaRegistry/url");
  }

  @Test
  void theClassSetIsOneValueForEveryService() throws Exception {
    assertThat(
            text(shared(template("default-values.yaml", "classes=cityscapes")), "ALLSPARK_CLASSES"))
        .isEqualTo("cityscapes");
    assertThat(text(shared(template("default-values.yaml")), "ALLSPARK_CLASSES"))
        .isEqualTo("camvid");
  }

  @Test
  void theTrainerStartsFromPretrainedWeightsOnAVolumeWhenGiven() throws Exception {
    List<JsonNode> docs =
        template(
            "default-values.yaml",
            "trainer.pretrained.existingClaim=weights",
            "trainer.pretrained.file=mit_b0.safetensors");
    JsonNode trainer = find(docs, "Deployment", "rel-allspark-stream-trainer");
    assertThat(env(container(trainer), "ALLSPARK_TRAINER_PRETRAINED"))
        .isEqualTo("/var/lib/allspark/pretrained/mit_b0.safetensors");
    assertThat(
            trainer
                .path("spec")
                .path("template")
                .path("spec")
                .path("volumes")
                .findValuesAsText("claimName"))
        .contains("weights");
    assertThat(
            env(
                container(
                    find(
                        template("default-values.yaml"),
                        "Deployment",
                        "rel-allspark-stream-trainer")),
                "ALLSPARK_TRAINER_PRETRAINED"))
        .isNull();
  }

  @Test
  void theNativeMemoryTunablesCanBeTurnedOffOrChanged() throws Exception {
    List<JsonNode> off = template("default-values.yaml", "nativeMemory.glibcTunables=");
    assertThat(
            env(
                container(find(off, "Deployment", "rel-allspark-stream-trainer")),
                "GLIBC_TUNABLES"))
        .isNull();
    List<JsonNode> own =
        template("default-values.yaml", "nativeMemory.glibcTunables=glibc.malloc.top_pad=1048576");
    assertThat(
            env(
                container(find(own, "Deployment", "rel-allspark-stream-inference")),
                "GLIBC_TUNABLES"))
        .isEqualTo("glibc.malloc.top_pad=1048576");
  }

  @Test
  void aConfigChangeRollsThePodsAndBadSettingsAreNamed() throws Exception {
    String before = ingestConfigChecksum(template("default-values.yaml"));
    String after =
        ingestConfigChecksum(
            template("default-values.yaml", "kafka.extraConfig.client\\.rack=zone-a"));
    assertThat(after).isNotEqualTo(before);

    Run noKafka = helm("template", "rel", CHART.toString());
    assertThat(noKafka.exit()).isNotZero();
    assertThat(noKafka.out()).contains("kafka.bootstrap is required");
    Run sasl =
        helm(
            "template",
            "rel",
            CHART.toString(),
            "--set",
            "kafka.bootstrap=k:9092",
            "--set",
            "kafka.securityProtocol=SASL_PLAINTEXT");
    assertThat(sasl.out()).contains("set kafka.sasl.existingSecret");
  }

  private static final List<String> COMPONENTS =
      List.of("ingest", "labeling-bridge", "trainer", "inference");

  private static List<JsonNode> deployments(List<JsonNode> docs) {
    return docs.stream().filter(d -> d.path("kind").asText().equals("Deployment")).toList();
  }

  private static JsonNode podSpec(JsonNode deployment) {
    return deployment.path("spec").path("template").path("spec");
  }

  @Test
  void everyServiceHasAMetricsServiceAStartupProbeAndTheReleasesServiceAccount() throws Exception {
    List<JsonNode> docs = template("default-values.yaml");
    for (String component : COMPONENTS) {
      JsonNode svc =
          docs.stream()
              .filter(d -> d.path("kind").asText().equals("Service"))
              .filter(
                  d ->
                      text(d, "metadata", "labels", "app.kubernetes.io/component")
                          .equals(component))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no Service for " + component));
      assertThat(svc.path("spec").path("ports").path(0).path("name").asText()).isEqualTo("http");
    }
    for (JsonNode d : deployments(docs)) {
      String name = text(d, "metadata", "name");
      JsonNode c = container(d);
      assertThat(text(c, "startupProbe", "httpGet", "path")).as(name).isEqualTo("/health/live");
      assertThat(c.path("startupProbe").path("failureThreshold").asInt()).isEqualTo(36);
      assertThat(text(c, "readinessProbe", "httpGet", "path")).isEqualTo("/health");
      assertThat(podSpec(d).path("serviceAccountName").asText())
          .as(name)
          .isEqualTo("rel-allspark-stream");
      assertThat(env(c, "ALLSPARK_KAFKA_SASL_JAAS_CONFIG")).isNull();
    }
    JsonNode sa = find(docs, "ServiceAccount", "rel-allspark-stream");
    assertThat(sa.path("automountServiceAccountToken").asBoolean(true)).isFalse();
    // budgets for the scalable services only: a single-pod trainer or bridge could not be drained
    assertThat(count(docs, "PodDisruptionBudget")).isEqualTo(2);
    assertThat(
            find(docs, "PodDisruptionBudget", "rel-allspark-stream-inference")
                .path("spec")
                .path("maxUnavailable")
                .asInt())
        .isEqualTo(1);
    assertThat(count(docs, "ServiceMonitor") + count(docs, "ScaledObject")).isZero();
    assertThat(count(docs, "KafkaTopic") + count(docs, "KafkaUser")).isZero();
    assertThat(text(shared(docs), "ALLSPARK_LOG_FORMAT")).isEqualTo("text");
    // the generated token is read back on upgrades and kept on uninstall
    assertThat(
            text(
                find(docs, "Secret", "rel-allspark-stream-bridge"),
                "metadata",
                "annotations",
                "helm.sh/resource-policy"))
        .isEqualTo("keep");
  }

  @Test
  void operatorValuesRenderMonitoringKedaStrimziAndSchedulingForEveryService() throws Exception {
    List<JsonNode> docs = template("operator-values.yaml");
    // Prometheus Operator: every service's http port, the pod name kept as instance
    JsonNode sm = find(docs, "ServiceMonitor", "rel-allspark-stream");
    assertThat(text(sm, "metadata", "labels", "release")).isEqualTo("kube-prometheus-stack");
    assertThat(sm.path("spec").path("selector").path("matchExpressions").path(0).path("values"))
        .extracting(JsonNode::asText)
        .containsExactlyInAnyOrderElementsOf(COMPONENTS);
    JsonNode endpoint = sm.path("spec").path("endpoints").path(0);
    assertThat(endpoint.path("port").asText()).isEqualTo("http");
    assertThat(endpoint.path("path").asText()).isEqualTo("/metrics");
    assertThat(endpoint.path("honorLabels").asBoolean()).isTrue();

    // KEDA on the inference group's lag, CPU kept; KEDA owns the HPA, replicas are left to it
    assertThat(count(docs, "HorizontalPodAutoscaler")).isZero();
    JsonNode inference = find(docs, "Deployment", "rel-allspark-stream-inference");
    assertThat(inference.path("spec").has("replicas")).isFalse();
    JsonNode so = find(docs, "ScaledObject", "rel-allspark-stream-inference");
    assertThat(so.path("spec").path("maxReplicaCount").asInt()).isEqualTo(12);
    JsonNode kafkaTrigger = so.path("spec").path("triggers").path(0);
    assertThat(kafkaTrigger.path("type").asText()).isEqualTo("kafka");
    assertThat(text(kafkaTrigger, "metadata", "consumerGroup"))
        .isEqualTo(env(container(inference), "ALLSPARK_INFERENCE_GROUP"));
    assertThat(text(kafkaTrigger, "metadata", "topic")).isEqualTo("fleet-a.frames");
    assertThat(text(kafkaTrigger, "metadata", "lagThreshold")).isEqualTo("40");
    assertThat(text(kafkaTrigger, "authenticationRef", "name")).isEqualTo("keda-kafka-scram");
    assertThat(so.path("spec").path("triggers").path(1).path("type").asText()).isEqualTo("cpu");

    // Strimzi: the catalog's topics instead of the job, and one user per service
    assertThat(count(docs, "Job")).isZero();
    assertThat(count(docs, "KafkaTopic")).isEqualTo(Topic.values().length);
    TopicCatalog catalog =
        TopicCatalog.from(Map.of("ALLSPARK_TOPIC_CAMERA_FRAMES", "fleet-a.frames"));
    for (Topic topic : Topic.values()) {
      JsonNode kt =
          docs.stream()
              .filter(d -> d.path("kind").asText().equals("KafkaTopic"))
              .filter(d -> text(d, "spec", "topicName").equals(catalog.name(topic)))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no KafkaTopic for " + topic));
      assertThat(text(kt, "metadata", "labels", "strimzi.io/cluster")).isEqualTo("fleet");
      int partitions =
          topic == Topic.CAMERA_FRAMES || topic == Topic.SEGMENTATIONS
              ? 12
              : topic.defaultPartitions();
      assertThat(kt.path("spec").path("partitions").asInt()).as(topic.name()).isEqualTo(partitions);
      assertThat(kt.path("spec").path("replicas").asInt()).isEqualTo(3);
      Map<String, String> config = new java.util.TreeMap<>();
      kt.path("spec")
          .path("config")
          .fields()
          .forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
      // the chart's copy of the catalog is the catalog
      assertThat(config)
          .as(topic.name())
          .isEqualTo(new java.util.TreeMap<>(catalog.configs(topic)));
    }
    assertThat(count(docs, "KafkaUser")).isEqualTo(4);
    JsonNode user = find(docs, "KafkaUser", "rel-allspark-stream-inference");
    assertThat(text(user, "spec", "authentication", "type")).isEqualTo("scram-sha-512");
    List<String> acls = new ArrayList<>();
    for (JsonNode acl : user.path("spec").path("authorization").path("acls")) {
      JsonNode r = acl.path("resource");
      acls.add(
          r.path("type").asText()
              + ":"
              + r.path("name").asText()
              + ":"
              + r.path("patternType").asText()
              + "="
              + acl.path("operations"));
    }
    assertThat(acls)
        .contains(
            "topic:fleet-a.frames:literal=[\"Read\",\"Describe\"]",
            "topic:segmentations:literal=[\"Write\",\"Describe\"]",
            "topic:camera.frames.dlq:literal=[\"Write\",\"Describe\"]",
            "group:rel-allspark-stream-inference:prefix=[\"Read\",\"Describe\"]",
            "transactionalId:allspark-inference-:prefix=[\"Write\",\"Describe\"]");
    for (JsonNode d : deployments(docs)) {
      JsonNode c = container(d);
      String component = text(d, "metadata", "labels", "app.kubernetes.io/component");
      // each service signs in as its own user, from the Secret Strimzi writes
      assertThat(env(c, "ALLSPARK_KAFKA_SASL_JAAS_CONFIG"))
          .as(component)
          .contains("rel-allspark-stream-" + component, "sasl.jaas.config");
      assertThat(env(c, "ALLSPARK_KAFKA_CLIENT_RACK")).contains("allspark-rack", "rack");
      assertThat(c.path("envFrom").path(1).path("secretRef").path("name").asText())
          .isEqualTo("allspark-extra");
      JsonNode spec = podSpec(d);
      assertThat(spec.path("affinity").path("nodeAffinity").isObject()).isTrue();
      JsonNode spread = spec.path("topologySpreadConstraints").path(0);
      assertThat(spread.path("topologyKey").asText()).isEqualTo("topology.kubernetes.io/zone");
      assertThat(text(spread, "labelSelector", "matchLabels", "app.kubernetes.io/component"))
          .isEqualTo(component);
    }
    JsonNode sa = find(docs, "ServiceAccount", "rel-allspark-stream");
    assertThat(text(sa, "metadata", "annotations", "eks.amazonaws.com/role-arn"))
        .startsWith("arn:aws:iam::");
    assertThat(text(shared(docs), "ALLSPARK_LOG_FORMAT")).isEqualTo("json");
  }

  @Test
  void theGrafanaDashboardShipsAndAsksOnlyForSeriesTheServicesExport() throws Exception {
    JsonNode cm =
        find(template("operator-values.yaml"), "ConfigMap", "rel-allspark-stream-dashboard");
    assertThat(text(cm, "metadata", "labels", "grafana_dashboard")).isEqualTo("1");
    JsonNode dashboard = new ObjectMapper().readTree(text(cm, "data", "allspark-stream.json"));
    assertThat(dashboard.path("uid").asText()).isEqualTo("allspark-stream");
    List<String> exprs = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        exprs.add(target.path("expr").asText());
      }
    }
    assertThat(exprs).hasSizeGreaterThan(10);
    // every allspark_* series a panel asks for is a meter some service registers
    String sources = mainSources();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("allspark_[a-z_]+").matcher(String.join("\n", exprs));
    List<String> unknown = new ArrayList<>();
    while (m.find()) {
      String series = m.group();
      String meter =
          series.replaceAll("_seconds_bucket$|_bucket$|_total$|_seconds$", "").replace('_', '.');
      if (!sources.contains("\"" + meter + "\"")) {
        unknown.add(series + " (meter " + meter + ")");
      }
    }
    assertThat(unknown).as("dashboard series that no service registers").isEmpty();
  }

  @Test
  void partitionsReachTheTopicsJobAndBadOnesAreNamed() throws Exception {
    List<JsonNode> docs = template("default-values.yaml", "partitions.camera\\.frames=9");
    JsonNode job = find(docs, "Job", "rel-allspark-stream-topics");
    assertThat(container(job).path("args"))
        .extracting(JsonNode::asText)
        .containsSubsequence("--partitions", "camera.frames=9");
    assertRefused(
        "partitions.labels\\.masks=6", "partitions.labels.masks: a compacted topic keeps");
    assertRefused("partitions.frames=6", "partitions.frames: no topic is named 'frames'");
    assertRefused(
        "strimzi.enabled=true,strimzi.users=true",
        "strimzi.users signs every service in as a SCRAM-SHA-512");
  }

  /** Every main Java source of the project, concatenated. */
  private static String mainSources() throws IOException {
    StringBuilder all = new StringBuilder();
    try (var files = Files.walk(ROOT)) {
      for (Path f :
          files
              .filter(p -> p.toString().endsWith(".java"))
              .filter(p -> p.toString().contains("/src/main/java/"))
              .toList()) {
        all.append(Files.readString(f));
      }
    }
    return all.toString();
  }

  @Test
  void everyValueIsDocumented() throws Exception {
    String values = Files.readString(CHART.resolve("values.yaml"));
    JsonNode tree = YAML.readTree(values);
    List<String> missing = new ArrayList<>();
    collect(tree, "", values, missing);
    assertThat(missing).as("values without a ## @param line").isEmpty();
    assertThat(CHART.resolve("values.schema.json")).exists();
  }

  /** The text at {@code path} below {@code node} ("" where there is none). */
  /** The shared ConfigMap's data: the settings every service reads. */
  private static JsonNode shared(List<JsonNode> docs) {
    return find(docs, "ConfigMap", "rel-allspark-stream").path("data");
  }

  private static String text(JsonNode node, String... path) {
    for (String key : path) {
      node = node.path(key);
    }
    return node.asText();
  }

  private static void collect(JsonNode node, String prefix, String text, List<String> missing) {
    node.fields()
        .forEachRemaining(
            e -> {
              String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
              boolean documented = text.contains("## @param " + key + " ");
              boolean leaf = !e.getValue().isObject() || e.getValue().isEmpty();
              if (documented) {
                return;
              }
              if (leaf) {
                missing.add(key);
              } else {
                collect(e.getValue(), key, text, missing);
              }
            });
  }
}

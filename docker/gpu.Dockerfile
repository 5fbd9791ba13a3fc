# syntax=docker/dockerfile:1
# GPU images of the trainer and inference (CUDA natives for DJL baked in, nothing downloaded at
# start):
#   docker build -f docker/gpu.Dockerfile --build-arg SERVICE=trainer   -t allspark-trainer:0.1.0-gpu .
#   docker build -f docker/gpu.Dockerfile --build-arg SERVICE=inference -t allspark-inference:0.1.0-gpu .
# PYTORCH_FLAVOR must be a CUDA build DJL publishes for PyTorch 2.7.1 and match the base image's
# CUDA (the defaults: cu128 on CUDA 12.8); run on a host with the NVIDIA container toolkit.
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04
FROM eclipse-temurin:17-jdk-jammy AS build
ARG PYTORCH_FLAVOR=cu128
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -ntp -q -DskipTests -Dspotless.check.skip=true package -pl stack -am
# Swap the CPU natives for CUDA ones: with the CPU jar gone and the flavor set, DJL fetches the
# CUDA build of libtorch once, here, into /opt/djl; the runtime image then runs offline.
RUN rm -f stack/target/lib/pytorch-native-cpu-*.jar \
 && DJL_CACHE_DIR=/opt/djl PYTORCH_FLAVOR=${PYTORCH_FLAVOR} PYTORCH_VERSION=2.7.1 \
    java -cp "stack/target/allspark-stack.jar:stack/target/lib/*" dev.allspark.stack.AllSparkCommand version \
 && test -n "$(find /opt/djl -name 'libtorch*.so*' | head -1)"

FROM ${CUDA_IMAGE}
ARG SERVICE=inference
ARG PYTORCH_FLAVOR=cu128
RUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd -g 10001 allspark && useradd -u 10001 -g 10001 -M -s /usr/sbin/nologin allspark \
 && mkdir -p /var/lib/allspark/trainer && chown 10001:10001 /var/lib/allspark/trainer
COPY --from=build /src/stack/target/allspark-stack.jar /app/allspark-stack.jar
COPY --from=build /src/stack/target/lib /app/lib
COPY --from=build --chown=10001:10001 /opt/djl /opt/djl
COPY docker/healthcheck /app/healthcheck
# keep freed native memory for reuse (model/README.md, "Native memory")
ENV GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296:glibc.malloc.top_pad=268435456
ENV DJL_CACHE_DIR=/opt/djl \
    PYTORCH_FLAVOR=${PYTORCH_FLAVOR} \
    PYTORCH_VERSION=2.7.1 \
    ALLSPARK_TRAINER_HTTP_PORT=8084 \
    ALLSPARK_TRAINER_STATE_DIR=/var/lib/allspark/trainer \
    ALLSPARK_TRAINER_DEVICE=gpu \
    ALLSPARK_INFERENCE_HTTP_PORT=8083 \
    ALLSPARK_SERVICE=${SERVICE}
USER 10001:10001
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "/app/healthcheck $([ \"$ALLSPARK_SERVICE\" = trainer ] && echo 8084 || echo 8083)"]
ENTRYPOINT ["bash", "-c", "exec java -XX:MaxRAMPercentage=75 -Dai.djl.offline=true -cp '/app/allspark-stack.jar:/app/lib/*' dev.allspark.stack.AllSparkCommand \"${@:-$ALLSPARK_SERVICE}\"", "allspark"]

# syntax=docker/dockerfile:1
# AllSpark Stream ingest: docker build -f docker/ingest.Dockerfile -t allspark-ingest .
FROM eclipse-temurin:17-jdk-jammy AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -ntp -q -DskipTests -Dspotless.check.skip=true package -pl stack -am

FROM eclipse-temurin:17-jre-jammy
RUN groupadd -g 10001 allspark && useradd -u 10001 -g 10001 -M -s /usr/sbin/nologin allspark
COPY --from=build /src/stack/target/allspark-stack.jar /app/allspark-stack.jar
COPY --from=build /src/stack/target/lib /app/lib
COPY docker/healthcheck /app/healthcheck
# keep freed native memory for reuse (model/README.md, "Native memory")
ENV GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296:glibc.malloc.top_pad=268435456
ENV ALLSPARK_INGEST_HTTP_PORT=8081 \
    DJL_CACHE_DIR=/tmp/djl
USER 10001:10001
EXPOSE 8081
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["/app/healthcheck", "8081"]
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-Dai.djl.offline=true", "-cp", "/app/allspark-stack.jar:/app/lib/*", "dev.allspark.stack.AllSparkCommand"]
CMD ["ingest"]

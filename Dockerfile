# syntax=docker/dockerfile:1
# facerec-service, built from source in two stages: Maven builds the shaded jar, a JRE runs it.
#   docker build -t facerec-service:0.1.0 --build-arg VERSION=0.1.0 --build-arg REVISION=$(git rev-parse HEAD) \
#     --build-arg SOURCE=<repository URL> .
# Model weights are never baked in: mount them at /app/models (installed with `models fetch`, see docs/models.md).
#
# Base images are pinned by digest so that a rebuild gets the same bytes. To update one, look up the current
# digest of the tag (`docker buildx imagetools inspect maven:3.9.9-eclipse-temurin-17`, or `docker pull` the tag
# and read `docker inspect --format '{{index .RepoDigests 0}}'`), replace the digest below, rebuild, and run the
# tests and the smoke check against the new image before release.
ARG BUILD_IMAGE=maven:3.9.9-eclipse-temurin-17@sha256:f58d59b6273e785ac0a4477f6e9b5ba1d7731c75b906c0f7b34076f1851318cc
ARG RUNTIME_IMAGE=eclipse-temurin:17-jre-jammy@sha256:475d8e96b4b2bfe08999e5e854755c773af1581acdf959a4545d88f0696a2339

FROM ${BUILD_IMAGE} AS build
WORKDIR /build
# Dependencies first, in their own layer: it is rebuilt only when pom.xml changes, not on every source edit.
COPY pom.xml .
RUN mvn -B -q -ntp dependency:go-offline -DexcludeReactor=true
COPY src ./src
COPY conf ./conf
COPY models/manifest.json ./models/manifest.json
COPY cluster/cluster.xml ./cluster/cluster.xml
# The tests run in CI (.ci/run) on the same sources; the image build only packages, at the version it is given
# (the release workflow passes the tag's), without the SBOM (the release attaches the one CI built).
ARG VERSION=0.1.0-SNAPSHOT
RUN mvn -B -q -ntp -o package -DskipTests -Drevision="${VERSION}" -Dcyclonedx.skip=true

FROM ${RUNTIME_IMAGE} AS runtime
ARG VERSION=0.1.0-SNAPSHOT
ARG REVISION=unknown
ARG SOURCE=unknown
LABEL org.opencontainers.image.title="facerec-service" \
      org.opencontainers.image.description="Face recognition API: detect, enroll, identify (1:N), verify (1:1), stream" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}"
RUN groupadd --system --gid 10001 facerec \
    && useradd --system --uid 10001 --gid facerec --home-dir /app --no-create-home facerec \
    && mkdir -p /app/data /app/models /app/certs \
    && chown -R facerec:facerec /app/data
WORKDIR /app
COPY --from=build /build/target/facerec-service.jar /app/facerec-service.jar
COPY conf /app/conf
COPY models/manifest.json /app/models/manifest.json
USER 10001:10001
ENV DATA_DIR=/app/data MODELS_DIR=/app/models CONFIG_FILE=/app/conf/application.yaml
# Heap at most 50 % of the container limit: ONNX Runtime's sessions and OpenCV's buffers live outside the
# heap (native memory, several hundred MB with faceplugin and INFERENCE_WORKERS=2), as do thread stacks and
# metaspace. With a 3 GB limit this leaves about 1.5 GB for them.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=50 -XX:MaxDirectMemorySize=256m -XX:+ExitOnOutOfMemoryError"
# At most 2 glibc malloc arenas instead of 8 per core: the inference threads' native allocations (ONNX Runtime,
# OpenCV) otherwise spread over many arenas that keep their freed blocks; measured in docs/resilience.md.
ENV MALLOC_ARENA_MAX=2
EXPOSE 8000
# Readiness (503 while loading, catching up or draining), asked by the jar itself: the JRE image has no curl
# to rely on, and the check speaks HTTPS when TLS_CERT_FILE is set.
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=3 \
  CMD ["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx32m", "-cp", "/app/facerec-service.jar", "dev.facerec.app.HealthCheck"]
STOPSIGNAL SIGTERM
# The Vector API computes the index's distances in SIMD lanes (docs/benchmarks.md: searches 2.35x, builds 3x); the
# JVM notes the incubator module once on stderr at start.
ENTRYPOINT ["java", "--add-modules", "jdk.incubator.vector", "-jar", "/app/facerec-service.jar"]

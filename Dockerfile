# Runtime image for the shaded jar built by `mvn -B package -DskipTests`.
# Models are mounted at /app/models (installed with `models fetch`), never baked in.
FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home /app facerec && mkdir -p /app/data /app/models && chown -R facerec /app
WORKDIR /app
COPY target/facerec-service.jar /app/facerec-service.jar
COPY conf /app/conf
COPY models/manifest.json /app/models/manifest.json
USER facerec
EXPOSE 8000
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
ENTRYPOINT ["java", "-jar", "/app/facerec-service.jar"]

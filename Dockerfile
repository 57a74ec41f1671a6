# One image for both apps; the command picks which one runs (see docker-compose.yml and helm/).
FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -q -B -DskipTests install

FROM eclipse-temurin:25-jre
RUN useradd --system --uid 10001 safetune && mkdir -p /data /opt/djl && chown safetune /data /opt/djl
COPY --from=build /src/api-service/target/api-service-*-exec.jar /app/api-service.jar
COPY --from=build /src/trainer-worker/target/trainer-worker-*-exec.jar /app/trainer-worker.jar
USER safetune
ENV SAFETUNE_HOME=/data DJL_CACHE_DIR=/opt/djl JAVA_TOOL_OPTIONS="--enable-native-access=ALL-UNNAMED"
ENTRYPOINT ["java", "-jar"]
CMD ["/app/api-service.jar"]

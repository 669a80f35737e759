# syntax=docker/dockerfile:1
# mlgraph: a small runtime image with the one binary, run as an unprivileged user.
#   docker build -t mlgraph .
#   docker run -p 8080:8080 -e DATABASE_URL=postgres://... mlgraph
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# The same build the test command does, with the committed lock file.
RUN cargo build --release --locked --bin mlgraph && \
    cp target/release/mlgraph /mlgraph

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && \
    rm -rf /var/lib/apt/lists/* && \
    useradd --system --uid 10001 --home-dir /var/lib/mlgraph --create-home mlgraph
COPY --from=build /mlgraph /usr/local/bin/mlgraph
USER mlgraph
WORKDIR /var/lib/mlgraph
ENV MLGRAPH_LISTEN=0.0.0.0:8080 \
    MLGRAPH_ARTIFACT_DIR=/var/lib/mlgraph/artifacts \
    RUST_LOG=info
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/mlgraph"]
CMD ["serve"]

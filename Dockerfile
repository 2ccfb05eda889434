# Build: the release binary, with SQLite and libpq compiled in.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
COPY openapi ./openapi
COPY assets ./assets
RUN cargo build --release --locked --bin security-action

# Run: a small Debian with the binary, as an unprivileged user.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /app --create-home security-action
COPY --from=build /src/target/release/security-action /usr/local/bin/security-action
USER security-action
WORKDIR /app
ENV BIND_ADDRESS=0.0.0.0:8080 \
    METRICS_BIND_ADDRESS=0.0.0.0:9464 \
    DATABASE_URL=sqlite://data/security-action.db \
    LOG_FORMAT=json
EXPOSE 8080 9464
VOLUME ["/app/data"]
ENTRYPOINT ["security-action"]
CMD ["serve"]

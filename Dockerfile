# Build: a release binary with the catalogue (commands/) embedded.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY commands ./commands
COPY benches ./benches
RUN cargo build --release --locked --bin echoterra-bot

# Run: a small image with CA certificates, as an unprivileged user.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home echoterra
COPY --from=build /src/target/release/echoterra-bot /usr/local/bin/echoterra-bot
# The catalogue is also shipped as files, so COMMANDS_DIR can point at an edited copy.
COPY commands /etc/echoterra-bot/commands
USER echoterra
ENTRYPOINT ["/usr/local/bin/echoterra-bot"]
CMD ["run"]

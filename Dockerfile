# syntax=docker/dockerfile:1
# echoterra-bot container image.
#
#   docker build -t echoterra-bot .
#   docker build -t echoterra-bot --build-arg REVISION="$(git rev-parse HEAD)" .
#
# Three build stages and a small runtime stage:
#   chef     the Rust toolchain plus cargo-chef (rebuilt only when RUST_VERSION changes)
#   planner  reduces the project to a recipe: manifests and lock file, no source
#   build    compiles the dependencies from the recipe (a layer that stays cached until
#            Cargo.toml or Cargo.lock change), then the bot itself from the real source
#   runtime  distroless: glibc, libgcc, CA certificates and /etc/passwd, no shell, no
#            package manager. The binary uses rustls with the Mozilla roots compiled in
#            and no OpenSSL, so that is all it needs. Its one writable folder is the
#            store's, DATA_DIR (a volume).
# Every build step passes --locked: Cargo.lock is the truth, never silently updated.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-trixie AS chef
# Pinned so that a new cargo-chef release cannot change the build on its own.
ARG CARGO_CHEF_VERSION=0.1.78
RUN cargo install cargo-chef --locked --version "${CARGO_CHEF_VERSION}"
WORKDIR /src

FROM chef AS planner
# The whole build context (.dockerignore keeps out target/, .git/, .env and logs); only
# the recipe it yields goes on, so editing the source or the docs does not invalidate
# the dependency layer below.
COPY . .
RUN cargo chef prepare --bin echoterra-bot --recipe-path recipe.json

FROM chef AS build
# The store's folder (DATA_DIR), made here because the runtime image has no shell to
# make it; copied into the runtime image owned by the bot's user.
RUN install -d -m 0700 /out/data
# The commit the binary reports in its echoterra_build_info metric (build.rs).
ARG REVISION=unknown
ENV GIT_COMMIT=${REVISION}
COPY --from=planner /src/recipe.json recipe.json
# The dependencies alone, with the same profile and flags as the real build below.
RUN cargo chef cook --release --locked --bin echoterra-bot --recipe-path recipe.json
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
# The catalogue is embedded into the binary at compile time (include_str!).
COPY commands ./commands
# Cargo.toml declares the benchmark target; cargo refuses a manifest whose targets are missing.
COPY benches ./benches
# The workspace's other member (the tests' servers, a dev-dependency): cargo loads
# every member's manifest, even to build only the binary.
COPY testkit ./testkit
RUN cargo build --release --locked --bin echoterra-bot

# Debian 13 (trixie) like the build stage, so the binary finds the glibc it was linked
# against. Pinned by digest at release time (docs/development.md, the release checklist).
FROM gcr.io/distroless/cc-debian13:nonroot AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="echoterra-bot" \
      org.opencontainers.image.description="Discord support bot for Echoterra Communications: mail settings, MX lookup, SMTP test and DNS blocklist check" \
      org.opencontainers.image.vendor="Echoterra Communications" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="gcr.io/distroless/cc-debian13:nonroot"
COPY --from=build /src/target/release/echoterra-bot /usr/local/bin/echoterra-bot
# The catalogue is also shipped as files, so COMMANDS_DIR can point at them or at an
# edited copy mounted over this folder. Owned by root: the bot only reads it.
COPY commands /etc/echoterra-bot/commands
# The store: with DATABASE_URL unset, a SQLite file, echoterra-bot.sqlite3, in DATA_DIR.
# The folder is the bot's own (uid 65532, mode 0700) and a volume, so the file outlives
# the container and stays writable under a read-only root file system. A named volume
# mounted here starts as a copy of this folder, owner and mode included.
COPY --from=build --chown=65532:65532 --chmod=0700 /out/data /var/lib/echoterra-bot
# Two listeners on every address of the container (the binary's defaults are loopback,
# which nothing outside the container could reach):
#   8080  HTTP_LISTEN: `serve`'s public POST /interactions, and nothing else (`run` has no
#         listener here);
#   9180  OPS_LISTEN: /healthz, /readyz and /metrics in every long-running mode. Publish
#         it to your monitoring only, never to the internet.
ENV HTTP_LISTEN=0.0.0.0:8080 \
    OPS_LISTEN=0.0.0.0:9180 \
    DATA_DIR=/var/lib/echoterra-bot
EXPOSE 8080 9180
VOLUME ["/var/lib/echoterra-bot"]
# 65532 is distroless's "nonroot" user; numeric, so Kubernetes' runAsNonRoot can verify it.
USER 65532:65532
# On SIGTERM the bot stops taking new interactions and lets running checks finish for
# SHUTDOWN_GRACE_SECONDS (20): give `docker stop` a longer timeout than that (-t 30).
STOPSIGNAL SIGTERM
# The image has no curl or shell: the binary asks its own /healthz on OPS_LISTEN
# (127.0.0.1:9180 here) and exits 0 or 1.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/echoterra-bot", "health"]
ENTRYPOINT ["/usr/local/bin/echoterra-bot"]
CMD ["run"]

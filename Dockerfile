# syntax=docker/dockerfile:1

# The situation bot as a container: a static binary on distroless, run as
# a non-root user, with the articles and the index as volumes.
#
#   docker build -t situationbot --build-arg VERSION="$(git describe --tags --always --dirty)" .
#   docker run -d --name situationbot --restart unless-stopped --env-file .env \
#     -v situationbot-corpus:/corpus -v situationbot-data:/data situationbot
#
# ENTRYPOINT is the bot and CMD its command, so one-off commands run the
# same image on the same volumes:
#   docker run --rm --env-file .env -v situationbot-corpus:/corpus -v situationbot-data:/data situationbot ingest
#
# The image runs as uid 65532 (distroless "nonroot"): a bind-mounted folder
# for /corpus or /data must be writable by it (chown -R 65532:65532 DIR).

# Build on the build machine's platform, for the target's (docker buildx
# --platform linux/amd64,linux/arm64 works without emulation).
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=""
# CGO off: a static binary that needs no libc; -trimpath: no build paths
# in it; -s -w: no symbol tables; main.version: what `bot --version` says.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/bot ./cmd/bot
# The volumes' first content (a fresh named volume is seeded from it): the
# sample articles, and an empty index folder, both owned by the runtime user.
RUN mkdir -p /out/corpus /out/data /out/doc \
    && cp corpus/*.md /out/corpus/ \
    && cp LICENSE NOTICE lexicon/LICENSE-GloVe.txt lexicon/LICENSE-WordNet.txt /out/doc/

# distroless/static: CA certificates, time zone data, /etc/passwd with the
# nonroot user, and nothing else (no shell).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/bot /bot
COPY --from=build /out/doc/ /usr/share/doc/situationbot/
COPY --from=build --chown=65532:65532 /out/corpus/ /corpus/
COPY --from=build --chown=65532:65532 /out/data/ /data/
ENV CORPUS_DIR=/corpus \
    DATA_DIR=/data
VOLUME ["/corpus", "/data"]
USER 65532:65532
# The bot finishes the answers in flight on SIGTERM (up to 30 s): give
# `docker stop` time for it (docker stop -t 40, or stop_grace_period: 40s).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/bot"]
CMD ["discord"]

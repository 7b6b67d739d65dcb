# syntax=docker/dockerfile:1

# prodgate's container image: one static binary (no cgo: SQLite is pure Go) on
# distroless static, which brings CA certificates, tzdata and a nonroot user and
# nothing else (no shell, no package manager).
#
#   docker build --build-arg VERSION=v1.2.3 --build-arg REVISION=$(git rev-parse HEAD) -t prodgate .
#   docker run -p 8080:8080 -e PRODGATE_HMAC_KEY -v prodgate-data:/data \
#     -v "$PWD/prodgate.yaml:/etc/prodgate/prodgate.yaml:ro" prodgate
#
# The target `atlantis` is the Atlantis image with the check-only prodgate added
# (docker build --target atlantis). deploy/test/dockerfile_test.go runs this
# file's own `go build` commands and checks the points the image promises.

ARG GO_VERSION=1.26.8
ARG ATLANTIS_VERSION=v0.47.1

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG TARGETOS TARGETARCH
ARG VERSION=dev
# -tags nomsgpack leaves out gin's MessagePack binding (github.com/ugorji/go),
# which prodgate never uses; scripts/test.sh builds with the same -trimpath and
# tags, so the suite's test of this command reuses its compiled packages.
# -s -w drops the symbol table and DWARF (a third of the size), the build info stays.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} \
    go build -trimpath -tags nomsgpack -ldflags="-s -w -X main.version=${VERSION}" -o /out/prodgate ./cmd/prodgate
# The volume's mount point, owned by the runtime user so a fresh named volume is writable.
RUN mkdir -p /out/data

# The check-only build (no service, no gin/River/SQLite/PostgreSQL) for CI and Atlantis.
FROM build AS build-checkonly
ARG TARGETOS TARGETARCH
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} \
    go build -trimpath -tags checkonly -ldflags="-s -w -X main.version=${VERSION}" -o /out/prodgate-check ./cmd/prodgate

# Atlantis with prodgate on its PATH, for the policy_check step of deploy/atlantis/repos.yaml.
# Teams with their own Atlantis image copy the binary instead:
#   COPY --from=ghcr.io/prodgate/prodgate:v1.2.3 /usr/local/bin/prodgate /usr/local/bin/prodgate
FROM ghcr.io/runatlantis/atlantis:${ATLANTIS_VERSION} AS atlantis
COPY --from=build-checkonly --chmod=0755 /out/prodgate-check /usr/local/bin/prodgate

# The service (the default target: the last stage).
FROM gcr.io/distroless/static-debian13:nonroot AS serve
ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED
LABEL org.opencontainers.image.title="prodgate" \
      org.opencontainers.image.description="Holds Terraform plans to your written production-ready standard: HCP Terraform run task and CLI" \
      org.opencontainers.image.source="https://github.com/prodgate/prodgate" \
      org.opencontainers.image.url="https://github.com/prodgate/prodgate" \
      org.opencontainers.image.documentation="https://github.com/prodgate/prodgate#run-task-hcp-terraform--terraform-enterprise" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="gcr.io/distroless/static-debian13:nonroot"
COPY --from=build /out/prodgate /usr/local/bin/prodgate
COPY --from=build --chown=65532:65532 /out/data /data
# The embedded database (and a generated HMAC key) live on the volume; the
# policy is mounted read-only where PRODGATE_POLICY points (a missing file stops
# the start rather than silently judging by another standard; set
# PRODGATE_POLICY= to use the built-in one).
ENV PRODGATE_LISTEN=:8080 \
    PRODGATE_DATABASE_URL=/data/prodgate.db \
    PRODGATE_POLICY=/etc/prodgate/prodgate.yaml
VOLUME ["/data"]
USER 65532:65532
EXPOSE 8080
# Docker and Podman run it; Kubernetes ignores it and uses the chart's probes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/prodgate", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/prodgate", "serve"]

# syntax=docker/dockerfile:1
# acequia-agent: the Flume-style agent of a Flow (collector Deployment or injected sidecar).
# Build from the repository root: docker build -f docker/agent.Dockerfile .
FROM debian:bookworm-slim AS build
WORKDIR /src
COPY scripts/ scripts/
RUN scripts/setup --build && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake --preset default -DBUILD_TESTING=OFF \
 && cmake --build --preset default --target acequia-agent \
 && install -D -m 0755 build/default/sidecar/acequia-agent /out/usr/local/bin/acequia-agent

FROM debian:bookworm-slim
# The runtime libraries come from the same list scripts/setup and CI read.
COPY scripts/deps/runtime.txt /tmp/runtime.txt
RUN apt-get update \
 && grep -vE '^[[:space:]]*(#|$)' /tmp/runtime.txt | cut -d' ' -f1 \
    | xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime.txt \
 && groupadd --gid 65532 acequia \
 && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin acequia
COPY --from=build /out/ /
USER 65532:65532
EXPOSE 9464
ENTRYPOINT ["/usr/local/bin/acequia-agent"]

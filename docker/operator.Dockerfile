# syntax=docker/dockerfile:1
# acequia-operator: the operator (Flows and ImportJobs -> Kubernetes objects).
# Build from the repository root: docker build -f docker/operator.Dockerfile .
FROM debian:bookworm-slim AS build
WORKDIR /src
COPY scripts/ scripts/
RUN scripts/setup --build && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake --preset default -DBUILD_TESTING=OFF \
 && cmake --build --preset default --target acequia-operator \
 && install -D -m 0755 build/default/operator/acequia-operator /out/usr/local/bin/acequia-operator

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
EXPOSE 8080 8081
ENTRYPOINT ["/usr/local/bin/acequia-operator"]

# hss-gate as a container image: docker build -t hss-gate . && docker run --rm hss-gate --help
# Stage 1 builds with the -dev packages; stage 2 carries only the runtime libraries.
# It runs as uid 1001, the user that owns the workspace on GitHub's runners, so a job container or
# a Docker action can write its reports there; GitLab's Docker executor makes the project folder
# writable for any user. The entrypoint is hss-gate: GitLab's template clears it
# (entrypoint: [""]) so that the runner's shell can run the job script.
FROM debian:bookworm-slim AS build
WORKDIR /src
COPY scripts/install-deps scripts/install-deps
RUN scripts/install-deps && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
 && cmake --build /build --target hss-gate -j"$(nproc)" \
 && /build/hss-gate --version

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates libssl3 libfmt9 libtomlplusplus3 \
      libpocofoundation80 libpocoutil80 libpoconet80 libpoconetssl80 libpococrypto80 libpocojson80 libpocoxml80 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 1001 --no-create-home --shell /usr/sbin/nologin hss-gate
LABEL org.opencontainers.image.title="hss-gate" \
      org.opencontainers.image.description="CI policy gate for Huawei Cloud HSS image scans" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /build/hss-gate /usr/local/bin/hss-gate
# The licence travels with the binary, where Debian keeps it for a package.
COPY --from=build /src/LICENSE /src/NOTICE /src/packaging/copyright /usr/share/doc/hss-gate/
USER 1001
WORKDIR /work
ENTRYPOINT ["hss-gate"]
CMD ["--help"]

# syntax=docker/dockerfile:1
# Image of the node agent (src/Terway.NodeAgent) carrying the terway CNI binary
# (src/Terway.CniShim), which the DaemonSet's init container copies to /opt/cni/bin.
# Build from the repository root:
#   docker build -f build/nodeagent.Dockerfile -t terway-nodeagent:latest .
# Not built in CI (the build machines have no container engine); see docs/manifests.md.
ARG DOTNET_VERSION=10.0

# The CNI binary runs on the host, outside any container, against whatever C library the
# node has. It is published Native AOT for musl and linked statically, so it needs no
# library from the host at all.
FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION}-alpine AS cni
RUN apk add --no-cache clang build-base zlib-dev
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY config/crd/ config/crd/
COPY src/ src/
RUN --mount=type=cache,target=/root/.nuget/packages \
    case "$(uname -m)" in \
      x86_64) rid=linux-musl-x64 ;; \
      aarch64) rid=linux-musl-arm64 ;; \
      *) echo "unsupported architecture $(uname -m)" >&2; exit 1 ;; \
    esac \
    && dotnet publish src/Terway.CniShim/Terway.CniShim.csproj -c Release -r "$rid" \
         -p:PublishAot=true -p:StaticExecutable=true -p:StripSymbols=true -o /out \
    && test -x /out/terway

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS agent
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY config/crd/ config/crd/
COPY src/ src/
RUN --mount=type=cache,target=/root/.nuget/packages \
    dotnet publish src/Terway.NodeAgent/Terway.NodeAgent.csproj -c Release -o /out

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS runtime
# bandwidth and portmap (the rest of the CNI chain) for nodes that have none of their own;
# the init container installs them only when /opt/cni/bin lacks them.
RUN apt-get update \
    && apt-get install -y --no-install-recommends containernetworking-plugins \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=agent /out/ ./
COPY --from=cni /out/terway /usr/local/bin/terway
ENV ASPNETCORE_HTTP_PORTS= \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
# Runs as root with NET_ADMIN, NET_RAW and SYS_ADMIN only (see config/nodeagent): it wires
# pod network namespaces and writes host directories.
ENTRYPOINT ["dotnet", "/app/Terway.NodeAgent.dll"]

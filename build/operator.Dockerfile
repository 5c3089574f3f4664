# syntax=docker/dockerfile:1
# Image of the operator (src/Terway.Operator): controllers, admission webhooks, health and
# metrics on Kestrel. Build from the repository root:
#   docker build -f build/operator.Dockerfile -t terway-operator:latest .
# Not built in CI (the build machines have no container engine); see docs/manifests.md.
ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY config/crd/ config/crd/
COPY src/ src/
RUN --mount=type=cache,target=/root/.nuget/packages \
    dotnet publish src/Terway.Operator/Terway.Operator.csproj -c Release -o /out

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS runtime
WORKDIR /app
COPY --from=build /out/ ./
# The aspnet image listens on 8080 unless told otherwise; the operator runs on the host
# network and binds only the ports its configuration names (4443, 9440, 9441).
ENV ASPNETCORE_HTTP_PORTS= \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
# 1654 is the non-root "app" user of the .NET images; numeric so the kubelet can verify
# runAsNonRoot.
USER 1654
ENTRYPOINT ["dotnet", "/app/Terway.Operator.dll"]

# The SegmentWorker role: SDK build stage -> ASP.NET Core runtime image. Build from the repository root:
#   docker build -f ops/docker/SegmentWorker.Dockerfile -t acqseg-segment-worker .
# Both stages share one distribution, so the TorchSharp GLIBCXX patch that runs after publish (Directory.Build.targets)
# matches the runtime's libstdc++. GPU images: --build-arg TORCH_BACKEND=cuda (restores TorchSharp-cuda-linux).
ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
ARG TORCH_BACKEND=cpu
WORKDIR /src
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY src/ src/
RUN dotnet publish src/SegmentWorker/SegmentWorker.csproj -c Release -p:TorchBackend=${TORCH_BACKEND} -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}
# curl for compose's healthcheck (GET /health): the runtime image has no HTTP client.
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
# /health, /metrics on 8080; configuration through appsettings.json and Section__Key variables.
ENV ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_gcServer=0
EXPOSE 8080
# The base image's unprivileged user (uid 1654); compose may run it as the host user that owns the output folders.
USER $APP_UID
ENTRYPOINT ["dotnet", "AcqSeg.SegmentWorker.dll"]

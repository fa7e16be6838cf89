# The ReviewHost role: SDK build stage -> ASP.NET Core runtime image. Build from the repository root:
#   docker build -f ops/docker/ReviewHost.Dockerfile -t acqseg-review-host .
# This role does not reference the engine, so the image carries no libtorch (its publish is about 44 MB, against
# 1.2 GB for the segment and train workers); TORCH_BACKEND is accepted for a uniform build but changes nothing here.
ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
ARG TORCH_BACKEND=cpu
WORKDIR /src
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY src/ src/
RUN dotnet publish src/ReviewHost/ReviewHost.csproj -c Release -p:TorchBackend=${TORCH_BACKEND} -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}
# curl for compose's healthcheck (GET /health): the runtime image has no HTTP client.
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
# /health, /metrics and the review API on 8080; configuration through appsettings.json and Section__Key variables.
ENV ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_gcServer=0
EXPOSE 8080
# The base image's unprivileged user (uid 1654); compose may run it as the host user that owns the output folders.
USER $APP_UID
ENTRYPOINT ["dotnet", "AcqSeg.ReviewHost.dll"]

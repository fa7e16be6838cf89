# The acqseg command line, for commands on the stack's database (compose's `curators` service runs `acqseg users`).
# Build from the repository root:
#   docker build -f ops/docker/Cli.Dockerfile -t acqseg-cli .
# Same build and runtime images as the roles (see Watcher.Dockerfile); the CLI hosts ASP.NET Core for `acqseg run`.
ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
ARG TORCH_BACKEND=cpu
WORKDIR /src
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY src/ src/
RUN dotnet publish src/Cli/Cli.csproj -c Release -p:TorchBackend=${TORCH_BACKEND} -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}
WORKDIR /app
COPY --from=build /app ./
ENV DOTNET_gcServer=0
# The base image's unprivileged user (uid 1654): the commands need only the database.
USER $APP_UID
ENTRYPOINT ["dotnet", "acqseg.dll"]

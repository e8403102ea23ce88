# The proxy node image: the node itself, `pbm` (Proxy.Node pbm …) and the demo backend (Proxy.Node demo-backend …).
#   docker build -t proxy-node .
#   docker run --rm -p 8080:8080 -p 9110:9110 -e PROXY_ADMIN_TOKEN=... proxy-node
# Used by docker-compose.cluster.yml. Multi-stage: the SDK image builds, the ASP.NET runtime image (Kestrel
# serves the admin listener) runs it as the image's non-root user.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files only, so source edits do not invalidate the package layer.
COPY Directory.Build.props Directory.Packages.props ./
COPY Proxy.Shared/Proxy.Shared.csproj Proxy.Shared/
COPY Proxy.Actors/Proxy.Actors.csproj Proxy.Actors/
COPY Proxy.Node/Proxy.Node.csproj Proxy.Node/
RUN dotnet restore Proxy.Node/Proxy.Node.csproj
COPY cluster.hocon ./
COPY Proxy.Shared/ Proxy.Shared/
COPY Proxy.Actors/ Proxy.Actors/
COPY Proxy.Node/ Proxy.Node/
RUN dotnet publish Proxy.Node/Proxy.Node.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
COPY examples/cluster.hocon /app/examples/cluster.hocon
# The data directory (SQLite journal when no PostgreSQL is configured) belongs to the non-root user.
RUN mkdir -p /var/lib/proxy && chown "$APP_UID" /var/lib/proxy
USER $APP_UID
ENV PROXY_DATA_DIR=/var/lib/proxy \
    PROXY_LISTEN=0.0.0.0:8080 \
    PROXY_ADMIN_ADDRESS=0.0.0.0:9110 \
    PROXY_PORT=4053
# public listener, admin listener (health, ready, pbm API), Akka remoting
EXPOSE 8080 9110 4053
# SIGTERM: stop accepting, finish in-flight requests (15 s), leave the cluster, hand off shards, exit 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/Proxy.Node"]
CMD ["--config", "/app/examples/cluster.hocon"]

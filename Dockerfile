# CityOps image: every role runs from it (the compose file picks the role with --role).
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY core/package.json core/
COPY devices/package.json devices/
COPY ingest/package.json ingest/
COPY analytics/package.json analytics/
COPY models/package.json models/
COPY dashboard/package.json dashboard/
COPY apps/package.json apps/
RUN npm ci
COPY . .
RUN npm run build:dashboard
USER node
ENV NODE_ENV=production
CMD ["npx", "tsx", "apps/main.ts"]

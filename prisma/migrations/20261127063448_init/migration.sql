-- CreateEnum
CREATE TYPE "api_key_role" AS ENUM ('admin', 'write', 'read');

-- CreateEnum
CREATE TYPE "capture_role" AS ENUM ('client', 'node', 'backend', 'other');

-- CreateEnum
CREATE TYPE "analysis_status" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED');

-- CreateTable
CREATE TABLE "projects" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "projects_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "role" "api_key_role" NOT NULL DEFAULT 'read',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "captures" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "role" "capture_role" NOT NULL,
    "label" TEXT NOT NULL,
    "node" TEXT,
    "pod_namespace" TEXT,
    "pod_name" TEXT,
    "file_name" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "size_bytes" BIGINT NOT NULL,
    "format" TEXT NOT NULL,
    "compressed" BOOLEAN NOT NULL DEFAULT false,
    "link_types" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "packet_count" INTEGER,
    "storage_path" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "captures_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "snapshots" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "node" TEXT,
    "file_name" TEXT,
    "sha256" TEXT NOT NULL,
    "size_bytes" BIGINT NOT NULL,
    "raw" TEXT NOT NULL,
    "parsed" JSONB NOT NULL,
    "skipped" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "snapshots_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "analyses" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "name" TEXT,
    "status" "analysis_status" NOT NULL DEFAULT 'QUEUED',
    "stage" TEXT,
    "progress" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "summary" JSONB,
    "counts" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "analyses_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "analysis_captures" (
    "analysis_id" UUID NOT NULL,
    "capture_id" UUID NOT NULL,

    CONSTRAINT "analysis_captures_pkey" PRIMARY KEY ("analysis_id","capture_id")
);

-- CreateTable
CREATE TABLE "analysis_snapshots" (
    "analysis_id" UUID NOT NULL,
    "snapshot_id" UUID NOT NULL,

    CONSTRAINT "analysis_snapshots_pkey" PRIMARY KEY ("analysis_id","snapshot_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "projects_name_key" ON "projects"("name");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_hash_key" ON "api_keys"("hash");

-- CreateIndex
CREATE INDEX "api_keys_project_id_idx" ON "api_keys"("project_id");

-- CreateIndex
CREATE INDEX "captures_project_id_created_at_idx" ON "captures"("project_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "captures_project_id_sha256_key" ON "captures"("project_id", "sha256");

-- CreateIndex
CREATE INDEX "snapshots_project_id_created_at_idx" ON "snapshots"("project_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "snapshots_project_id_sha256_key" ON "snapshots"("project_id", "sha256");

-- CreateIndex
CREATE INDEX "analyses_project_id_created_at_idx" ON "analyses"("project_id", "created_at");

-- CreateIndex
CREATE INDEX "analyses_status_idx" ON "analyses"("status");

-- CreateIndex
CREATE INDEX "analysis_captures_capture_id_idx" ON "analysis_captures"("capture_id");

-- CreateIndex
CREATE INDEX "analysis_snapshots_snapshot_id_idx" ON "analysis_snapshots"("snapshot_id");

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "captures" ADD CONSTRAINT "captures_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "snapshots" ADD CONSTRAINT "snapshots_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analyses" ADD CONSTRAINT "analyses_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analysis_captures" ADD CONSTRAINT "analysis_captures_analysis_id_fkey" FOREIGN KEY ("analysis_id") REFERENCES "analyses"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analysis_captures" ADD CONSTRAINT "analysis_captures_capture_id_fkey" FOREIGN KEY ("capture_id") REFERENCES "captures"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analysis_snapshots" ADD CONSTRAINT "analysis_snapshots_analysis_id_fkey" FOREIGN KEY ("analysis_id") REFERENCES "analyses"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analysis_snapshots" ADD CONSTRAINT "analysis_snapshots_snapshot_id_fkey" FOREIGN KEY ("snapshot_id") REFERENCES "snapshots"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "flows" (
    "id" UUID NOT NULL,
    "analysis_id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "protocol" TEXT NOT NULL,
    "client" TEXT NOT NULL,
    "service" TEXT NOT NULL,
    "backend" TEXT,
    "client_seen_by_backend" TEXT,
    "service_name" TEXT,
    "backend_pod" TEXT,
    "state" TEXT NOT NULL,
    "ips" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "ports" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "translation_kinds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "finding_codes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "community_id_client" TEXT,
    "community_id_backend" TEXT,
    "packets_forward" INTEGER NOT NULL DEFAULT 0,
    "packets_reverse" INTEGER NOT NULL DEFAULT 0,
    "bytes_forward" BIGINT NOT NULL DEFAULT 0,
    "bytes_reverse" BIGINT NOT NULL DEFAULT 0,
    "first_ns" DECIMAL(20,0) NOT NULL,
    "last_ns" DECIMAL(20,0) NOT NULL,
    "detail" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "flows_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "perspectives" (
    "id" UUID NOT NULL,
    "flow_id" UUID NOT NULL,
    "analysis_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "capture_id" UUID,
    "capture" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "src" TEXT NOT NULL,
    "dst" TEXT NOT NULL,
    "packets" INTEGER NOT NULL,
    "first_ns" DECIMAL(20,0) NOT NULL,
    "last_ns" DECIMAL(20,0) NOT NULL,

    CONSTRAINT "perspectives_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "translations" (
    "id" UUID NOT NULL,
    "flow_id" UUID NOT NULL,
    "analysis_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "before_src" TEXT NOT NULL,
    "before_dst" TEXT NOT NULL,
    "after_src" TEXT NOT NULL,
    "after_dst" TEXT NOT NULL,
    "capture_id" UUID,
    "capture" TEXT NOT NULL,
    "interfaces" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "latency_ns" DECIMAL(20,0),

    CONSTRAINT "translations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "findings" (
    "id" UUID NOT NULL,
    "analysis_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "code" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "detail" TEXT NOT NULL,
    "flow_keys" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "evidence" JSONB NOT NULL DEFAULT '{}',
    "next" TEXT[] DEFAULT ARRAY[]::TEXT[],

    CONSTRAINT "findings_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "flows_analysis_id_first_ns_idx" ON "flows"("analysis_id", "first_ns");

-- CreateIndex
CREATE INDEX "flows_analysis_id_service_name_idx" ON "flows"("analysis_id", "service_name");

-- CreateIndex
CREATE INDEX "flows_ips_idx" ON "flows" USING GIN ("ips");

-- CreateIndex
CREATE UNIQUE INDEX "flows_analysis_id_key_key" ON "flows"("analysis_id", "key");

-- CreateIndex
CREATE INDEX "perspectives_flow_id_position_idx" ON "perspectives"("flow_id", "position");

-- CreateIndex
CREATE INDEX "perspectives_analysis_id_idx" ON "perspectives"("analysis_id");

-- CreateIndex
CREATE INDEX "translations_flow_id_position_idx" ON "translations"("flow_id", "position");

-- CreateIndex
CREATE INDEX "translations_analysis_id_kind_idx" ON "translations"("analysis_id", "kind");

-- CreateIndex
CREATE INDEX "findings_analysis_id_severity_idx" ON "findings"("analysis_id", "severity");

-- CreateIndex
CREATE INDEX "findings_analysis_id_code_idx" ON "findings"("analysis_id", "code");

-- AddForeignKey
ALTER TABLE "flows" ADD CONSTRAINT "flows_analysis_id_fkey" FOREIGN KEY ("analysis_id") REFERENCES "analyses"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "perspectives" ADD CONSTRAINT "perspectives_flow_id_fkey" FOREIGN KEY ("flow_id") REFERENCES "flows"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "translations" ADD CONSTRAINT "translations_flow_id_fkey" FOREIGN KEY ("flow_id") REFERENCES "flows"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "findings" ADD CONSTRAINT "findings_analysis_id_fkey" FOREIGN KEY ("analysis_id") REFERENCES "analyses"("id") ON DELETE CASCADE ON UPDATE CASCADE;

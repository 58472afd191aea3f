-- AlterTable
ALTER TABLE "analysis_captures" ADD COLUMN     "position" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "analysis_snapshots" ADD COLUMN     "position" INTEGER NOT NULL DEFAULT 0;

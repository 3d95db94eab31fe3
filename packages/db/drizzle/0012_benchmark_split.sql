CREATE TYPE "public"."benchmark_split" AS ENUM('public', 'hidden');--> statement-breakpoint
ALTER TABLE "benchmark_versions" ADD COLUMN "split" "benchmark_split" DEFAULT 'public' NOT NULL;
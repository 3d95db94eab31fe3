ALTER TYPE "public"."submission_status" ADD VALUE 'preflight' BEFORE 'running';--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "preflight" jsonb;--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "input_usd_per_mtok" double precision;--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "output_usd_per_mtok" double precision;--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "max_cost_usd" double precision;--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "served_by" jsonb;
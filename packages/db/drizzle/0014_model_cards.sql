CREATE TYPE "public"."model_weights" AS ENUM('open', 'closed');--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "params_b" double precision;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "weights" "model_weights";--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "licence" text;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "base_model" text;--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "model_revision" text;
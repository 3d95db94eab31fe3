ALTER TABLE "results" ADD COLUMN "sent_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "order_seed" integer;--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "exposure" jsonb;
ALTER TYPE "public"."adapter" ADD VALUE 'anthropic';--> statement-breakpoint
ALTER TYPE "public"."adapter" ADD VALUE 'gemini';
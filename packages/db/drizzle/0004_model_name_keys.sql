-- Edited after generation: existing models get a provisional key (lower case, and the id where two
-- would collide) so that the column can be NOT NULL and unique at once; migrateDatabase then
-- replaces each with core's modelNameKey, which SQL cannot compute, keeping a provisional key only
-- where two names registered before this migration look alike.
ALTER TABLE "models" ADD COLUMN "name_key" text;--> statement-breakpoint
UPDATE "models" AS m SET "name_key" = k.key FROM (
  SELECT "id", CASE WHEN row_number() OVER (PARTITION BY lower("name") ORDER BY "id") = 1
    THEN lower("name") ELSE lower("name") || ' #' || "id" END AS key
  FROM "models"
) AS k WHERE k."id" = m."id";--> statement-breakpoint
ALTER TABLE "models" ALTER COLUMN "name_key" SET NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "models_name_key" ON "models" USING btree ("name_key");

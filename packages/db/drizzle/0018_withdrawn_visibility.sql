-- A submission an admin took off the public board is `withdrawn`, no longer `hidden`: that word is
-- a benchmark's split. Renamed in place (drizzle-kit would drop and recreate the type, which fails
-- on every row that holds the old value); rows, the default and the column keep their type.
ALTER TYPE "public"."visibility" RENAME VALUE 'hidden' TO 'withdrawn';

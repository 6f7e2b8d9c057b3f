-- M&Ms subjects carry their scanner vendor and centre (docs/design.md "Importing data").
-- AlterTable
ALTER TABLE "Subject" ADD COLUMN     "centre" TEXT,
ADD COLUMN     "vendor" TEXT;

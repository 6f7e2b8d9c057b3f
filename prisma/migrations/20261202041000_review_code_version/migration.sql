-- AlterTable
ALTER TABLE "Review" ADD COLUMN     "codeVersion" TEXT;


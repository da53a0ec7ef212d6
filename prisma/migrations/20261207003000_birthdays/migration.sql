-- Birthdays: the shopper's month and day on the customer, the program's birthday points and abuse window
ALTER TYPE "PointsReason" ADD VALUE 'BIRTHDAY';

ALTER TABLE "ProgramSettings" ADD COLUMN "birthdayPoints" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "birthdayAbuseWindowDays" INTEGER NOT NULL DEFAULT 30;

ALTER TABLE "Customer" ADD COLUMN "birthdayMonth" INTEGER,
ADD COLUMN "birthdayDay" INTEGER,
ADD COLUMN "birthdaySetAt" TIMESTAMP(3);

ALTER TABLE "Customer" ADD CONSTRAINT "Customer_birthday_check" CHECK (("birthdayMonth" IS NULL) = ("birthdayDay" IS NULL) AND ("birthdayMonth" IS NULL OR ("birthdayMonth" BETWEEN 1 AND 12 AND "birthdayDay" BETWEEN 1 AND 31)));

CREATE INDEX "Customer_shopId_birthdayMonth_birthdayDay_idx" ON "Customer"("shopId", "birthdayMonth", "birthdayDay");

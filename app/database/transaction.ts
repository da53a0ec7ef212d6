/**
 * The one transaction type. Every function that must run inside the caller's transaction takes a `Tx`;
 * one that works either inside a transaction or on its own takes a `Db`.
 */
import type { Prisma, PrismaClient } from "../generated/prisma/client";

/** The client Prisma hands an interactive transaction (`db.$transaction(async (tx) => …)`). */
export type Tx = Prisma.TransactionClient;

/** The app's client or a transaction of it. */
export type Db = PrismaClient | Tx;

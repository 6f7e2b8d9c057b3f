/** The tamper-evident audit log (src/db/audit.ts) as GraphQL types, and API keys as admins see them. */
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { MaxLength } from 'class-validator';
import { Connection } from './connection';

@ObjectType({ description: "One audit event; `hash` covers it and the previous event's hash" })
export class AuditEvent {
  @Field(() => ID, { description: 'Position in the chain (a 64-bit integer, as text)' })
  seq!: string;

  @Field(() => Date)
  at!: Date;

  @Field(() => String, { description: "Who: the API key's name, or the local actor" })
  actor!: string;

  @Field(() => String, { description: 'What, e.g. run.created, checkpoint.stored, apikey.revoked' })
  action!: string;

  @Field(() => String)
  entity!: string;

  @Field(() => String, { nullable: true })
  entityId!: string | null;

  @Field(() => String, { description: 'Details as canonical JSON text (sorted keys), exactly as hashed' })
  details!: string;

  @Field(() => String)
  prevHash!: string;

  @Field(() => String)
  hash!: string;
}

export const AuditEventConnection = Connection(AuditEvent, 'AuditEvent');

@InputType()
export class AuditFilter {
  @Field(() => String, { nullable: true })
  @MaxLength(200)
  actor?: string;

  @Field(() => String, { nullable: true })
  @MaxLength(200)
  action?: string;

  @Field(() => String, { nullable: true })
  @MaxLength(200)
  entity?: string;

  @Field(() => String, { nullable: true })
  @MaxLength(200)
  entityId?: string;

  @Field(() => Date, { nullable: true, description: 'Events at or after this time' })
  since?: Date;

  @Field(() => Date, { nullable: true, description: 'Events before this time' })
  until?: Date;
}

@ObjectType()
export class AuditBreak {
  @Field(() => ID, { description: 'The first event whose hash or link does not match' })
  seq!: string;

  @Field(() => String, {
    description: 'HASH_MISMATCH: the event was edited; BROKEN_LINK: an event before it was deleted or edited',
  })
  reason!: string;
}

@ObjectType({ description: 'Result of re-hashing the whole audit chain' })
export class AuditVerification {
  @Field(() => Boolean)
  ok!: boolean;

  @Field(() => Int, { description: 'Events checked (up to the first break)' })
  events!: number;

  @Field(() => AuditBreak, { nullable: true })
  firstBroken!: AuditBreak | null;

  @Field(() => String, {
    nullable: true,
    description: 'Hash of the last event: record it elsewhere to detect a truncated tail later',
  })
  headHash!: string | null;
}

@ObjectType({ description: 'An API key as admins see it: never the secret or its hash' })
export class ApiKeyInfo {
  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'The key starts cuq_<prefix>_' })
  prefix!: string;

  @Field(() => String, { description: 'ANALYST, OPERATOR or ADMIN' })
  role!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  lastUsed!: Date | null;
}

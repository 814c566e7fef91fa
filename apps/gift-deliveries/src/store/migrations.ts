import type { SqlClient } from './sql-client.js'

/** One schema change. Versions only grow; an applied migration is never edited. */
export interface Migration {
  version: number
  name: string
  sql: string
}

/** The schema, in order. Plain PostgreSQL: the same for PGlite and a server. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'create deliveries',
    sql: `
      CREATE TABLE deliveries (
        id uuid PRIMARY KEY,
        seq bigserial NOT NULL UNIQUE,
        client_id text NOT NULL,
        idempotency_key text,
        request_hash text,
        status text NOT NULL CHECK (status IN ('pending', 'planned', 'failed')),
        request jsonb NOT NULL,
        route jsonb,
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        next_attempt_at timestamptz,
        locked_until timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        planned_at timestamptz,
        CONSTRAINT deliveries_idempotency_key UNIQUE (client_id, idempotency_key),
        CONSTRAINT deliveries_idempotency_pair CHECK ((idempotency_key IS NULL) = (request_hash IS NULL))
      );
      CREATE INDEX deliveries_status_seq ON deliveries (status, seq);
      CREATE INDEX deliveries_pending_due ON deliveries (seq) WHERE status = 'pending';
    `,
  },
  {
    version: 2,
    name: 'claim owner',
    // Which claim holds a pending delivery: a worker whose lease ran out (and
    // was claimed again by another replica) can no longer record an outcome.
    sql: `ALTER TABLE deliveries ADD COLUMN claim uuid;`,
  },
  {
    version: 3,
    name: 'list by client, route summaries',
    // Lists are per client, in creation order: an index that reads a page in that
    // order. `summary` is the small part of the route a list shows (resolved
    // destination, distance, duration), so a page never reads the route's GeoJSON.
    sql: `
      CREATE INDEX deliveries_client_seq ON deliveries (client_id, seq);
      CREATE INDEX deliveries_client_status_seq ON deliveries (client_id, status, seq);
      ALTER TABLE deliveries ADD COLUMN summary jsonb;
      UPDATE deliveries SET summary = jsonb_build_object(
        'destination', route->'destination',
        'distanceKm', route->'distanceKm',
        'estimatedDuration', route->'estimatedDuration')
      WHERE route IS NOT NULL;
    `,
  },
  {
    version: 4,
    name: 'route as json text',
    // The route (~5 KB, mostly the GeoJSON path) is written once and read whole: as
    // `json` it is kept as text (no jsonb parse on write, no jsonb-to-text on read).
    // Left compressed: uncompressed (STORAGE EXTERNAL) saved ~7 % of CPU under load
    // but cost PGlite 60-90 MiB more RSS after 40,000 deliveries.
    sql: `
      ALTER TABLE deliveries ALTER COLUMN route TYPE json USING route::json;
    `,
  },
  {
    version: 5,
    name: 'list entries kept as JSON text',
    // A list entry (DeliverySummary) as the API's JSON text, copied into the index
    // that a client's list walks: a page is read from the index alone (an index-only
    // scan), never building JSON at read time. On PGlite that took a page of 20 from
    // ~580 to ~280 µs (building 21 entries per read cost more than the page's reads).
    // An INSERT brings its entry (the store writes it as JSON.stringify would: a
    // trigger building it cost an insert ~150 µs; see migration 6 for inserts without
    // one); a trigger rebuilds it on every UPDATE that changes what it shows (a claim
    // changes nothing shown).
    sql: `
      ALTER TABLE deliveries ADD COLUMN list_json text;
      CREATE FUNCTION deliveries_list_json() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.list_json := json_build_object(
          'id', NEW.id, 'status', NEW.status, 'request', NEW.request,
          'destination', NEW.summary->'destination', 'distanceKm', NEW.summary->'distanceKm',
          'estimatedDuration', NEW.summary->'estimatedDuration',
          'attempts', NEW.attempts, 'lastError', NEW.last_error,
          'nextAttemptAt', to_char(NEW.next_attempt_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'createdAt', to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'updatedAt', to_char(NEW.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'plannedAt', to_char(NEW.planned_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
        )::text;
        RETURN NEW;
      END
      $$;
      CREATE TRIGGER deliveries_list_json
        BEFORE UPDATE OF status, request, summary, attempts, last_error,
          next_attempt_at, created_at, updated_at, planned_at
        ON deliveries FOR EACH ROW EXECUTE FUNCTION deliveries_list_json();
      UPDATE deliveries SET status = status;
      DROP INDEX deliveries_client_seq;
      CREATE INDEX deliveries_client_seq_list ON deliveries (client_id, seq) INCLUDE (list_json);
    `,
  },
  {
    version: 6,
    name: 'list entries for rows inserted without one',
    // Rows that another writer inserts without an entry (a replica still running the
    // code from before migration 5, during a rolling upgrade; an operator's INSERT) get
    // it from the same trigger function. The store's own inserts bring theirs, so the
    // function never runs for them.
    sql: `
      CREATE TRIGGER deliveries_list_json_insert
        BEFORE INSERT ON deliveries FOR EACH ROW WHEN (NEW.list_json IS NULL)
        EXECUTE FUNCTION deliveries_list_json();
      UPDATE deliveries SET status = status WHERE list_json IS NULL;
    `,
  },
]

/** Any fixed 64-bit number; every replica must use the same one. */
const MIGRATION_LOCK = 7_364_912_208_331_451

/**
 * Applies the migrations not yet recorded in `schema_migrations`, each in its
 * own transaction. Every transaction first takes a transaction-scoped advisory
 * lock and re-checks, so replicas starting together apply each migration once.
 * Returns the versions this call applied.
 */
export async function runMigrations(
  client: SqlClient,
  list: readonly Migration[] = migrations,
): Promise<number[]> {
  await client.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [String(MIGRATION_LOCK)])
    await tx.exec(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )
    `)
  })
  const applied = await appliedVersions(client)
  const done: number[] = []
  for (const migration of [...list].sort((a, b) => a.version - b.version)) {
    if (applied.has(migration.version)) continue
    const ran = await client.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [String(MIGRATION_LOCK)])
      const again = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [
        migration.version,
      ])
      if (again.rows.length > 0) return false
      await tx.exec(migration.sql)
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ])
      return true
    })
    if (ran) done.push(migration.version)
  }
  return done
}

async function appliedVersions(client: SqlClient): Promise<Set<number>> {
  const result = await client.query<{ version: number }>('SELECT version FROM schema_migrations')
  return new Set(result.rows.map((row) => Number(row.version)))
}
